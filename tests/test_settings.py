"""Production settings: with DEBUG off, `manage.py check --deploy` reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("DATABASE_URL", None)
    return {**env, **overrides}


def test_check_deploy_with_production_settings_reports_nothing(tmp_path):
    env = {
        **production_env(),
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-production-secret-key-" + "x" * 40,
        "ALLOWED_HOSTS": "toestemming.example.org",
        "VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_with_debug_off_fails_loudly(tmp_path):
    env = production_env(DEBUG="false", SECRET_KEY="", VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_bad_boolean_setting_fails_loudly(tmp_path):
    env = production_env(DEBUG="maybe", VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "DEBUG must be a boolean" in result.stderr
