"""Production settings: with DEBUG off, `manage.py check --deploy` reports nothing, unless
the cache is kept per process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("DATABASE_URL", None)
    return {**env, **overrides}


def manage(*args, env):
    """`manage.py *args` in a fresh process with `env`, its output captured."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def deploy_env(tmp_path, **overrides):
    """What docker-compose sets: DEBUG off, the required variables, a shared cache."""
    return {
        **production_env(),
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "toestemming.example.org",
        "CACHE_URL": "redis://redis:6379/1",
        "VAR_DIR": str(tmp_path),
        **overrides,
    }


def test_check_deploy_with_production_settings_reports_nothing(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=deploy_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_when_each_process_keeps_its_own_cache(tmp_path):
    """Without CACHE_URL every gunicorn process counts login attempts on its own."""
    result = manage("check", "--deploy", env=deploy_env(tmp_path, CACHE_URL=""))
    assert result.returncode != 0
    assert "accounts.E001" in result.stderr
    assert "LocMemCache" in result.stderr and "CACHE_URL" in result.stderr


def test_missing_secret_key_with_debug_off_fails_loudly(tmp_path):
    env = production_env(DEBUG="false", SECRET_KEY="", VAR_DIR=str(tmp_path))
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_setting_fails_loudly(tmp_path):
    env = production_env(DEBUG="maybe", VAR_DIR=str(tmp_path))
    result = manage("check", env=env)
    assert "DEBUG must be a boolean" in result.stderr


def test_production_static_files_collect_with_hashed_names(tmp_path):
    """The Dockerfile's collectstatic with the manifest storage: every file a stylesheet or
    script refers to (a source map, a font) must exist, or the build fails."""
    env = production_env(DEBUG="false", SECRET_KEY="build-" + "x" * 40, VAR_DIR=str(tmp_path))
    result = manage("collectstatic", "--no-input", "-v", "0", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = next(tmp_path.rglob("staticfiles.json")).read_text()
    assert '"vendor/bootstrap.min.css"' in manifest


def gunicorn_config(**env) -> dict[str, str]:
    """gunicorn.conf.py as gunicorn resolves it (`--print-config`) with `env`."""
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "consent_portal.wsgi"],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def test_gunicorn_keeps_idle_connections_open_longer_than_a_client_or_proxy_pauses(tmp_path):
    direct = gunicorn_config(VAR_DIR=str(tmp_path))
    assert (direct["keepalive"], direct["threads"], direct["workers"]) == ("10", "4", "3")
    assert direct["graceful_timeout"] == "20" and direct["accesslog"] == "-"
    behind_proxy = gunicorn_config(VAR_DIR=str(tmp_path), TRUSTED_PROXY_COUNT="1")
    assert behind_proxy["keepalive"] == "75"  # longer than nginx's and AWS ALB's 60 s
    chosen = gunicorn_config(VAR_DIR=str(tmp_path), GUNICORN_KEEPALIVE="30", GUNICORN_WORKERS="5")
    assert (chosen["keepalive"], chosen["workers"]) == ("30", "5")


# --- The library's storage (issue 23) -------------------------------------------------------

S3_ENV = {
    "LIBRARY_STORAGE": "s3",
    "LIBRARY_S3_BUCKET": "school-library",
    "LIBRARY_S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
    "LIBRARY_S3_REGION": "fr-par",
    "LIBRARY_S3_ENCRYPTION": "AES256",
}
SHOW_LIBRARY_STORAGE = (
    "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['library']))"
)


def test_the_library_stores_on_the_private_filesystem_by_default(tmp_path):
    env = production_env(VAR_DIR=str(tmp_path), LIBRARY_STORAGE="")
    result = manage("shell", "-c", SHOW_LIBRARY_STORAGE, env=env)
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.splitlines()[-1])
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_the_library_bucket_is_private_never_overwritten_and_encrypted(tmp_path):
    result = manage("shell", "-c", SHOW_LIBRARY_STORAGE, env=deploy_env(tmp_path, **S3_ENV))
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.splitlines()[-1])
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert (options["bucket_name"], options["region_name"]) == ("school-library", "fr-par")
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert (options["default_acl"], options["file_overwrite"]) == ("private", False)
    assert options["querystring_auth"] is True and options["custom_domain"] is None
    assert options["object_parameters"] == {"ServerSideEncryption": "AES256"}


def test_a_library_bucket_without_a_name_fails_loudly(tmp_path):
    env = deploy_env(tmp_path, **{**S3_ENV, "LIBRARY_S3_BUCKET": ""})
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "LIBRARY_S3_BUCKET" in result.stderr


def test_an_unknown_encryption_for_the_library_bucket_fails_loudly(tmp_path):
    env = deploy_env(tmp_path, **{**S3_ENV, "LIBRARY_S3_ENCRYPTION": "yes please"})
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "LIBRARY_S3_ENCRYPTION must be AES256 or aws:kms" in result.stderr


@pytest.mark.django_db
def test_postgresql_compiles_no_query_just_in_time():
    """PostgreSQL compiles a query whose cost estimate is high, whatever it really costs: the
    library's "may go on" took 1.7 s compiling for a 45 ms query."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no JIT")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
