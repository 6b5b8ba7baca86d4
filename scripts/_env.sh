# Shared by scripts/demo and scripts/test: a virtualenv with the project, system packages,
# and the web clients (H5 app, staff console) built into the Python package. Safe to run again;
# it only does what is missing.
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

ensure_web() {  # builds web/ (the H5 app and the console) into src/opendeposit/web_dist when stale
  [ -f "$ROOT/web/package.json" ] || return 0
  local dist="$ROOT/src/opendeposit/web_dist" app stale=""
  for app in m admin; do  # `npm run build` builds m, then admin: m's index is the older one
    [ -f "$dist/$app/index.html" ] || stale=1
  done
  if [ -z "$stale" ] && [ -z "$(find "$ROOT/web" -path "$ROOT/web/node_modules" -prune -o -newer "$dist/m/index.html" -type f -print -quit)" ]; then
    return 0
  fi
  command -v npm >/dev/null || apt_install nodejs npm
  log "building the web clients (web/ -> src/opendeposit/web_dist/m and admin)"
  (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
}

# --- Test services (issue #12, item 4). Without a PostgreSQL / RabbitMQ answering where the
# tests look (OPENDEPOSIT_TEST_PG / OPENDEPOSIT_TEST_AMQP, default 127.0.0.1:5432 / :5672),
# start a throw-away one from Debian's packages in a temporary directory on a free port, point
# the tests at it, and remove it at exit. If it cannot be installed, say why: the tests skip.
TEST_SERVICE_DIRS=()

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_answers() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
url_host_port() {  # url_host_port URL DEFAULT_PORT -> "host port"
  "$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1].replace("+asyncpg", "")); print(p.hostname or "127.0.0.1", p.port or sys.argv[2])' "$1" "$2"
}

pg_bin() {  # the directory of initdb/pg_ctl, or nothing
  local found; found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

ensure_test_postgres() {
  local url=${OPENDEPOSIT_TEST_PG:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}
  read -r host port < <(url_host_port "$url" 5432)
  port_answers "$host" "$port" && return 0
  log "no PostgreSQL answers at $host:$port: starting a throw-away one"
  [ -n "$(pg_bin)" ] || apt_install postgresql
  local bin; bin=$(pg_bin)
  if [ -z "$bin" ]; then
    log "PostgreSQL cannot be installed here (not root, or no package): its tests will SKIP"; return 0
  fi
  local dir; dir=$(mktemp -d /tmp/opendeposit-test-pg.XXXXXX); TEST_SERVICE_DIRS+=("$dir")
  local newport; newport=$(free_port)
  local as=(); [ "$(id -u)" -eq 0 ] && { chown postgres "$dir"; as=(runuser -u postgres --); }
  "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
  "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
    "-p $newport -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$newport" -U postgres test
  echo "${as[*]} $bin/pg_ctl -D $dir/data -m immediate stop" > "$dir/stop"
  export OPENDEPOSIT_TEST_PG="postgresql+asyncpg://postgres@127.0.0.1:$newport/test"
  log "PostgreSQL for the tests: 127.0.0.1:$newport (in $dir)"
}

ensure_test_rabbitmq() {
  local url=${OPENDEPOSIT_TEST_AMQP:-amqp://guest:guest@127.0.0.1:5672/}
  read -r host port < <(url_host_port "$url" 5672)
  port_answers "$host" "$port" && return 0
  log "no RabbitMQ answers at $host:$port: starting a throw-away one"
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  if ! command -v rabbitmq-server >/dev/null; then
    log "RabbitMQ cannot be installed here (not root, or no package): its tests will SKIP"; return 0
  fi
  local dir; dir=$(mktemp -d /tmp/opendeposit-test-amqp.XXXXXX); TEST_SERVICE_DIRS+=("$dir")
  local newport; newport=$(free_port)
  local node="odtest$newport@localhost"
  echo "[]." > "$dir/enabled_plugins"
  local envs=(RABBITMQ_NODENAME="$node" RABBITMQ_NODE_PORT="$newport" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
              RABBITMQ_DIST_PORT="$(free_port)" RABBITMQ_MNESIA_BASE="$dir/mnesia"
              RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
              RABBITMQ_PID_FILE="$dir/pid" RABBITMQ_CONFIG_FILE="$dir/none" HOME="$dir")
  [ "$(id -u)" -eq 0 ] && chown -R rabbitmq "$dir" 2>/dev/null
  env "${envs[@]}" rabbitmq-server -detached >/dev/null 2>&1 || true
  local i; for i in $(seq 1 120); do port_answers 127.0.0.1 "$newport" && break; sleep 0.5; done
  if ! port_answers 127.0.0.1 "$newport"; then
    log "the throw-away RabbitMQ did not start (see $dir/log): its tests will SKIP"; return 0
  fi
  echo "env ${envs[*]} rabbitmqctl -n $node stop" > "$dir/stop"
  export OPENDEPOSIT_TEST_AMQP="amqp://guest:guest@127.0.0.1:$newport/"
  log "RabbitMQ for the tests: 127.0.0.1:$newport (in $dir)"
}

stop_test_services() {  # stops what ensure_test_* started and removes its directories
  local dir
  for dir in "${TEST_SERVICE_DIRS[@]}"; do
    [ -f "$dir/stop" ] && bash "$dir/stop" >/dev/null 2>&1
    rm -rf "$dir"
  done
  TEST_SERVICE_DIRS=()
}
