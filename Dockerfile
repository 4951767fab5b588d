FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
RUN apt-get update && apt-get install -y --no-install-recommends \
        gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core ffmpeg \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The same locked versions as `make test` and CI (uv.lock); --locked fails on a stale lock.
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_PYTHON_DOWNLOADS=never PATH=/opt/venv/bin:$PATH
COPY pyproject.toml uv.lock ./
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv sync --locked --no-cache --python /usr/local/bin/python3.11
COPY . .
RUN SECRET_KEY=build python manage.py compilemessages -v 0 --ignore .venv \
    && SECRET_KEY=build python manage.py collectstatic --no-input -v 0
RUN useradd --system --uid 1000 portal && mkdir -p /app/var/private && chown -R portal /app/var
USER portal
EXPOSE 8000
# Everything else (processes, threads, keep-alive, timeouts, access log) is in gunicorn.conf.py.
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "consent_portal.wsgi"]
