#!/usr/bin/env bash
# Idempotent set-up shared by scripts/run.sh and scripts/test.sh:
#   - a Python >= 3.12 virtual environment in .venv with the pinned requirements,
#   - the system packages the product needs (CJK font for PDFs, pdftotext, gettext; chromium for browser tests),
#     installed with apt-get when we are root, otherwise a clear message saying what to install.
# Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${1:-runtime}"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

find_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 "$HOME/.pyenv/versions/3.13.0/bin/python3" "$HOME/.pyenv/versions/3.12.1/bin/python3" /root/.pyenv/versions/3.12.1/bin/python3 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  return 1
}

# --- system packages -------------------------------------------------------------------------------
need_pkgs=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_pkgs+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need_pkgs+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need_pkgs+=(gettext)
if [ "$profile" = "dev" ]; then
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium chromium-driver)
  command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    say "Installing system packages: ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
  else
    echo "Missing system packages: ${need_pkgs[*]}" >&2
    echo "Install them with: sudo apt-get install ${need_pkgs[*]}   (PDFs need the CJK font; browser tests need chromium)" >&2
    [ "$profile" = "dev" ] && exit 1
  fi
fi

# --- Python environment ----------------------------------------------------------------------------
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  py=$(find_python) || { echo "Python 3.12 or newer is required (Django 6). Install python3.12 and run again." >&2; exit 1; }
  say "Creating .venv with $py"
  rm -rf .venv
  "$py" -m venv .venv
fi
req=requirements.txt
[ "$profile" = "dev" ] && req=requirements-dev.txt
stamp=".venv/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$profile"
if [ ! -f "$stamp" ]; then
  say "Installing Python packages from $req"
  # pip's own chatter (index warnings, build output) goes to a log, shown only when the install fails.
  mkdir -p var
  if ! { .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip &&
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req"; } >var/pip-install.log 2>&1; then
    cat var/pip-install.log >&2
    echo "Installing the Python packages failed (full log: var/pip-install.log)." >&2
    exit 1
  fi
  touch "$stamp"
fi
mkdir -p var/celery/queue var/celery/processed
