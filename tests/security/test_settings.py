"""Production settings are safe to deploy: `check --deploy` is clean and a missing secret fails loudly."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check_at_warning_level():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_without_a_secret_key_fail_with_a_clear_error():
    result = _manage("check", DJANGO_ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_the_development_secret_key():
    result = _manage("check", DJANGO_SECRET_KEY="dev-only-insecure-key-change-me", DJANGO_ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_without_allowed_hosts_fail_with_a_clear_error():
    result = _manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must list" in result.stderr


def test_a_weak_secret_key_fails_the_deploy_check():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SECRET_KEY="short", DJANGO_ALLOWED_HOSTS="example.com"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_production_cookies_https_and_debug_are_hardened():
    names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "DEBUG"]
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps([getattr(settings, n) for n in {names!r}]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.com",
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout) == [True, True, True, True, False], result.stderr
