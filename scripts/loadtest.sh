#!/usr/bin/env bash
# Load and fault test against gunicorn on loopback (issue #8), bounded in time, stops everything it starts.
#
#   scripts/loadtest.sh            # 64 connections for 60 s (browse, detail, compare + signed-in pages), then
#                                  # the PostgreSQL restart check; exits non-zero on any error
#   DURATION=20 scripts/loadtest.sh load     # only the load part;   scripts/loadtest.sh fault   # only the fault part
#
# Needs: PostgreSQL on 127.0.0.1:5432 (user postgres), Redis on 127.0.0.1:6379, wrk. The fault step stops and
# starts the local PostgreSQL cluster (pg_ctlcluster): do not run it while other PostgreSQL tests run.
# Production settings with a throwaway SECRET_KEY; DJANGO_SECURE_SSL_REDIRECT=false because loopback has no TLS.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
PORT="${PORT:-8107}"
DURATION="${DURATION:-60}"
CONNECTIONS="${CONNECTIONS:-64}"
DB="${LOADTEST_DB:-anxin_loadtest}"
PG_VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -1)}"
py=.venv/bin/python
base="http://127.0.0.1:$PORT"
out="$(mktemp -d /tmp/anxin-loadtest.XXXXXX)"

# Production settings plus a hello-world route (bench/settings.py): the reference the latencies are compared with.
export DJANGO_SETTINGS_MODULE=bench.settings
export BENCH_STATIC_ROOT="${BENCH_STATIC_ROOT:-/tmp/anxin_loadtest_static}"
export DJANGO_SECRET_KEY="loadtest-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
export DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
export DJANGO_SECURE_SSL_REDIRECT=false
# The production split of DESIGN.md "Database roles" (scripts/db_roles.sql): gunicorn connects as the app role,
# which owns nothing; only the migration connects as the owner.
OWNER_ROLE="${LOADTEST_DB_OWNER_ROLE:-anxin_owner}"
APP_ROLE="${LOADTEST_DB_APP_ROLE:-anxin_app}"
export DATABASE_URL="postgres://$APP_ROLE@127.0.0.1:5432/$DB"
owner_url="postgres://$OWNER_ROLE@127.0.0.1:5432/$DB"
export REDIS_URL="${LOADTEST_REDIS_URL:-redis://127.0.0.1:6379/7}"
export MEDIA_ROOT="${MEDIA_ROOT:-/tmp/anxin_loadtest_media}"
export CONN_MAX_AGE=60 LOG_LEVEL=WARNING

gunicorn_pid=""
cleanup() {
  if [ -n "$gunicorn_pid" ] && kill -0 "$gunicorn_pid" 2>/dev/null; then kill "$gunicorn_pid"; wait "$gunicorn_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

echo "==> Fresh database $DB, demo data, static files"
psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $DB" >/dev/null
psql -h 127.0.0.1 -U postgres -d postgres -q -v owner="$OWNER_ROLE" -v app="$APP_ROLE" -v db="$DB" \
  -f scripts/db_roles.sql >/dev/null
DATABASE_OWNER_URL="$owner_url" $py manage.py migrate --noinput -v0
$py manage.py collectstatic --noinput -v0
$py manage.py seed_demo >/dev/null

read -r session ids < <($py bench/load/session.py buyer1)
read -r -a listing_ids <<<"$ids"
[ "${#listing_ids[@]}" -ge 2 ] || { echo "no published listings after seed_demo" >&2; exit 1; }

echo "==> gunicorn on $base"
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers "${WORKERS:-3}" --threads "${THREADS:-4}" \
  --worker-class gthread --timeout 60 --graceful-timeout 5 --log-level warning >"$out/gunicorn.log" 2>&1 &
gunicorn_pid=$!
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/healthz" >/dev/null

status=0
if [ "$what" = all ] || [ "$what" = load ]; then
  public=(/ /cars/ "/cars/?sort=price_asc" "/cars/?fuel=petrol" "/cars/?q=Toyota" "/cars/?page=2" /compare/)
  for pk in "${listing_ids[@]:0:12}"; do public+=("/cars/$pk/"); done
  public+=("/compare/?ids=${listing_ids[0]},${listing_ids[1]},${listing_ids[2]}" "/cars/?q=%E4%B8%B0%E7%94%B0+%E5%8D%A1%E7%BD%97%E6%8B%89" "/cars/?sort=price_asc&page=3")
  private=(/favourites/ /contracts/orders/ /notifications/ /accounts/profile/ /messages/ /warranty/my-cars/ /complaints/
    /compare/ /insights/my-reviews/ "/cars/${listing_ids[0]}/" /cars/)
  half=$((CONNECTIONS / 2))
  echo "==> wrk: $half anonymous + $half signed-in connections for ${DURATION}s, and hello-world beside them"
  wrk -t2 -c"$half" -d"${DURATION}s" --timeout 30s -s bench/load/browse.lua "$base" -- "${public[@]}" >"$out/anon.txt" &
  anon=$!
  wrk -t2 -c"$half" -d"${DURATION}s" --timeout 30s -s bench/load/browse.lua -H "Cookie: sessionid=$session" "$base" -- "${private[@]}" >"$out/signed.txt" &
  signed=$!
  # The reference under the same load: its p95 is what the signed-in pages' p95 is compared with.
  wrk -t1 -c4 -d"${DURATION}s" --timeout 30s -s bench/load/browse.lua "$base" -- /bench/hello/ >"$out/hello.txt" &
  hello=$!
  wait "$anon" "$signed" "$hello"
  for kind in anon signed hello; do
    line="$(grep '^{' "$out/$kind.txt")"
    echo "    $kind: $line"
    $py - "$line" "$kind" <<'PY' || status=1
import json, sys
r = json.loads(sys.argv[1])
problems = {k: r[k] for k in ("bad", "socket_errors", "login") if r[k]}
if r["requests"] == 0 or problems:
    sys.exit(f"    FAIL {sys.argv[2]}: {problems or 'no requests'}")
PY
  done
  $py - "$(grep '^{' "$out/signed.txt")" "$(grep '^{' "$out/hello.txt")" <<'PY' || status=1
import json, sys
signed, hello = (json.loads(a) for a in sys.argv[1:3])
ratio = signed["p95_ms"] / max(hello["p95_ms"], 0.1)
print(f"    signed-in p95 {signed['p95_ms']:.1f} ms = {ratio:.1f}x hello-world p95 {hello['p95_ms']:.1f} ms (target <= 20x)")
if ratio > 20:
    sys.exit("    FAIL: signed-in p95 is more than 20x hello-world p95")
PY
fi

if [ "$what" = all ] || [ "$what" = fault ]; then
  others="$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT string_agg(DISTINCT datname, ', ') FROM pg_stat_activity WHERE datname NOT IN ('$DB', 'postgres') AND pid <> pg_backend_pid()")"
  if [ -n "$others" ] && [ "${LOADTEST_FORCE_FAULT:-0}" != 1 ]; then
    echo "    refusing to stop PostgreSQL: other databases are in use ($others); LOADTEST_FORCE_FAULT=1 to insist" >&2
    exit 1
  fi
  echo "==> PostgreSQL $PG_VERSION/main stopped and started under gunicorn (pid $gunicorn_pid, not restarted)"
  $py - "$base" "$PG_VERSION" <<'PY' || status=1
import subprocess, sys, time, urllib.error, urllib.request

base, version = sys.argv[1], sys.argv[2]

def health() -> int:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:
        return 0

def pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=True)

seen = [health()]
assert seen[0] == 200, f"not healthy before the fault: {seen}"
start = time.monotonic()
pg("stop")
deadline = time.monotonic() + 20
while time.monotonic() < deadline and seen[-1] != 503:
    seen.append(health()); time.sleep(0.1)
down_at = time.monotonic()
pg("start")
deadline = time.monotonic() + 30
while time.monotonic() < deadline and seen[-1] != 200:
    seen.append(health()); time.sleep(0.2)
recovered = time.monotonic() - down_at
pages = [urllib.request.urlopen(base + p, timeout=10).status for p in ("/", "/cars/")]
print(f"    healthz: {' '.join(str(s) for s in dict.fromkeys(seen))} (503 while down, 200 {recovered:.1f}s after start); pages afterwards: {pages}")
if 503 not in seen or seen[-1] != 200 or pages != [200, 200]:
    sys.exit("    FAIL: /healthz did not go 503 then 200, or pages failed after the restart")
PY
  for _ in 1 2 3; do curl -fsS "$base/cars/" >/dev/null; done
  kill -0 "$gunicorn_pid" && echo "    gunicorn still the same process ($gunicorn_pid)"
fi

redis-cli -u "$REDIS_URL" flushdb >/dev/null 2>&1 || true
[ "$status" = 0 ] && echo "==> OK (logs in $out)" || echo "==> FAILED (logs in $out)"
exit "$status"
