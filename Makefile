# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint audit install lock migrate demo messages bench load clean

# uv, pinned, in a folder of its own: `uv sync` makes .venv exactly the lock, so uv cannot
# live inside it.
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install -q uv==$(UV_VERSION)

# Installs exactly what uv.lock says; --locked fails when pyproject.toml and the lock disagree.
# Upgrading is deliberate: `make lock` (re-resolve within pyproject's ranges), then test.
$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync -q --locked --python $(PYTHON) --extra dev
	touch $(STAMP)

lock: $(UV)
	$(UV) lock --upgrade

install: $(STAMP)

# The compiled catalogues are committed; they are rebuilt where gettext is installed.
messages: install
	@if command -v msgfmt >/dev/null; then $(BIN)/python manage.py compilemessages --ignore '.venv' -v 0; \
	else echo "msgfmt not found: using the committed translations"; fi

migrate: install
	$(BIN)/python manage.py migrate --no-input -v 0

PORT ?= 8000
# Links in emails point where `make run` serves (honcho gives the worker a port of its own).
SITE_URL ?= http://127.0.0.1:$(PORT)

run: install messages migrate
	$(BIN)/python manage.py load_demo --if-empty
	@echo ""
	@echo "  Consent portal: http://127.0.0.1:$(PORT)/   (admin: http://127.0.0.1:$(PORT)/admin/)"
	@echo "  Web server, Celery worker and beat start below; Ctrl-C stops them all."
	@echo ""
	PORT=$(PORT) SITE_URL=$(SITE_URL) $(BIN)/honcho -f Procfile.dev start

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

# Known vulnerabilities in the installed packages. Every package that could not be checked
# (no network, the vulnerability service unreachable) is named, and fails the audit.
audit: install
	$(BIN)/python .ci/audit.py

bench: install
	$(UV) sync -q --locked --python $(PYTHON) --extra dev --extra bench
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks campaign

# 200 parents and staff for 5 minutes against gunicorn + PostgreSQL (benchmarks/load.py).
load: install
	$(UV) sync -q --locked --python $(PYTHON) --extra dev --extra bench
	$(BIN)/python -m benchmarks load

clean:
	rm -rf $(VENV) .tools var
