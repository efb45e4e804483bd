#!/usr/bin/env bash
# The second README command: run the whole test suite (creates the environment if missing).
# Uses DATABASE_URL / REDIS_URL when set (CI sets both: PostgreSQL + Redis + a real Celery worker for the
# integration tests); without them it runs on SQLite with eager Celery and skips only what needs the servers.
# With DATABASE_OWNER_URL as well (.ci/run), the suite runs as the owner role and the immutability tests
# connect as the app role of DATABASE_URL (DESIGN.md "Database roles").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
py=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.test
echo "==> Lint (ruff) and formatting"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> Import layers (import-linter: apps import only the apps listed before them)"
.venv/bin/lint-imports --no-cache
echo "==> Migrations are complete"
$py manage.py makemigrations --check --dry-run
echo "==> Test suite on ${DATABASE_OWNER_URL:-${DATABASE_URL:-SQLite}}${DATABASE_OWNER_URL:+ (as the owner; app role from DATABASE_URL)}${REDIS_URL:+ with Redis at $REDIS_URL}"
exec .venv/bin/pytest --create-db -p no:cacheprovider "$@"
