# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit install migrate demo messages bench load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q uv || true
	if [ -x $(BIN)/uv ]; then $(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]'; \
	else $(BIN)/python -m pip install -q -e '.[dev]'; fi
	touch $(STAMP)

install: $(STAMP)

# The compiled catalogues are committed; they are rebuilt where gettext is installed.
messages: install
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore '.venv' -v 0; \
	else echo "msgfmt not found: using the committed translations"; fi

migrate: install
	$(BIN)/python manage.py migrate --no-input -v 0

PORT ?= 8000

run: install messages migrate
	$(BIN)/python manage.py load_demo --if-empty
	@echo ""
	@echo "  Consent portal: http://127.0.0.1:$(PORT)/   (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "  Web server, Celery worker and beat start below; Ctrl-C stops them all."
	@echo ""
	PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

# axe-core for the browser tests' accessibility checks (skipped where npm is missing).
node_modules/.installed: package.json
	@if command -v npm >/dev/null; then npm install --silent --no-audit --no-fund && touch $@; \
	else echo "npm not found: browser accessibility checks will skip"; fi

test: install messages node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r accounts consents consent_portal

# Known vulnerabilities in the installed packages. --strict: a package that could not be
# checked (no network, PyPI unreachable) is a failure that says so, never a silent pass.
audit: install
	$(BIN)/pip-audit --strict --progress-spinner off --skip-editable

bench: install
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks campaign

# 200 parents and staff for 5 minutes against gunicorn + PostgreSQL (benchmarks/load.py).
load: install
	$(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev,bench]'
	$(BIN)/python -m benchmarks load

clean:
	rm -rf $(VENV) var
