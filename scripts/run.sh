#!/usr/bin/env bash
# The first README command: set everything up and run Anxin Auto with demo data at http://127.0.0.1:8000
# (PORT=8100 scripts/run.sh moves it). Embedded default: SQLite + Celery on kombu's filesystem broker (no
# servers needed). With DATABASE_URL / REDIS_URL set, the same command uses PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
# The demo runs like production pages do: styled error pages, never Django's debug page.
export DJANGO_DEBUG="${DJANGO_DEBUG:-false}"
export PORT="${PORT:-8000}"
py=.venv/bin/python
echo "==> Database: ${DATABASE_URL:-sqlite (db.sqlite3)}; broker: ${REDIS_URL:-embedded filesystem broker (var/celery)}"
echo "==> Migrations"
$py manage.py migrate --noinput -v0
if command -v msgfmt >/dev/null 2>&1; then $py manage.py compilemessages -v0 --ignore=.venv >/dev/null 2>&1 || true; fi
$py manage.py collectstatic --noinput -v0
$py manage.py seed_demo
echo "==> Starting the web server and a Celery worker with beat (Ctrl-C stops both)"
echo "    Site: http://127.0.0.1:$PORT/   Admin: http://127.0.0.1:$PORT/admin/   Health: http://127.0.0.1:$PORT/healthz"
# honcho gives the first process (web) the base port; -p keeps it on $PORT. exec: Ctrl-C reaches honcho,
# which stops web and worker (each `exec`s its program, so no shell is left in between).
exec .venv/bin/honcho -f Procfile.dev start -p "$PORT"
