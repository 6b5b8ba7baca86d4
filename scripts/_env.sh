# Shared by scripts/demo and scripts/test: a virtualenv with the project, system packages,
# and the H5 app built into the Python package. Safe to run again; it only does what is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

log() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

apt_install() {  # apt_install PKG... : installs the Debian packages that are missing (root only)
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "please install with your package manager: ${missing[*]}"; return 0
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {  # ensure_venv EXTRAS : creates .venv and installs the project (editable)
  local extras=${1:-}
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating $VENV"
    "$PY" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed$extras"
  if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
    log "installing opendeposit${extras:+[$extras]} into $VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e "$ROOT${extras:+[$extras]}"
    touch "$stamp"
  fi
}

ensure_web() {  # builds web/ into src/opendeposit/web_dist when the sources are newer
  [ -f "$ROOT/web/package.json" ] || return 0
  local out="$ROOT/src/opendeposit/web_dist/m/index.html"
  if [ -f "$out" ] && [ -z "$(find "$ROOT/web" -path "$ROOT/web/node_modules" -prune -o -newer "$out" -type f -print -quit)" ]; then
    return 0
  fi
  command -v npm >/dev/null || apt_install nodejs npm
  log "building the H5 app (web/ -> src/opendeposit/web_dist/m)"
  (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}
