# shellcheck shell=bash
# Machine set-up shared by `npm run up` and `npm test`: installs what is missing (Debian/Ubuntu
# packages, npm dependencies), starts Docker, Redis and Postgres when they are not running, and
# makes sure Gantry's database role and secrets exist. Every step checks before it acts, so a
# second run changes nothing and takes a second or two.
#
# Usage: source this file, then call ensure_system and ensure_node_deps.

GANTRY_ROOT="${GANTRY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
GANTRY_HOME="${GANTRY_HOME:-$GANTRY_ROOT/.gantry}"
GANTRY_ENV_FILE="$GANTRY_HOME/gantry.env"
SYSTEM_PACKAGES=(redis-server postgresql debootstrap git curl ca-certificates iptables)
# Only tests and benchmarks need these: the dashboard's browser tests drive Debian's chromium
# through playwright-core (`npx playwright install` cannot download browsers here).
TEST_PACKAGES=(chromium)

step() { printf '\033[1;36m==>\033[0m %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

has_systemd() { [ -d /run/systemd/system ]; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"; shift 2
  local i
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not become ready within ${seconds}s"
}

# install_missing WHAT PACKAGE...: apt-get installs those of the packages that are not installed.
install_missing() {
  local what="$1" missing=() p
  shift
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  step "Installing $what: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_packages() {
  local engine=()
  # Any Docker engine will do (docker-ce, docker.io); install Debian's when there is none.
  command -v dockerd >/dev/null 2>&1 || engine=(docker.io)
  install_missing "system packages" "${SYSTEM_PACKAGES[@]}" "${engine[@]}"
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  step "Starting Docker"
  if has_systemd; then
    as_root systemctl start docker
  else
    mkdir -p "$GANTRY_HOME/logs"
    as_root nohup dockerd >"$GANTRY_HOME/logs/dockerd.log" 2>&1 &
  fi
  wait_for 60 "Docker" docker info
}

# Append-only persistence, fsynced every second (as BullMQ's docs advise): a Redis crash then
# loses at most about a second of queued jobs and log lines, not everything since the last
# snapshot. Set on the command line where we start Redis ourselves, and on a running Redis.
REDIS_PERSISTENCE=(--appendonly yes --appendfsync everysec)

ensure_redis() {
  if ! redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    step "Starting Redis"
    if has_systemd; then
      as_root systemctl start redis-server
    else
      as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir /var/lib/redis \
        --logfile /var/log/redis/redis-server.log --save 60 1000 "${REDIS_PERSISTENCE[@]}" >/dev/null
    fi
    wait_for 30 "Redis" redis-cli -h 127.0.0.1 -p 6379 ping
  fi
  ensure_redis_persistence 6379
}

# ensure_redis_persistence PORT: turns on append-only persistence in a running Redis (no
# restart: Redis writes its AOF in the background) and, when Redis has a config file (systemd's
# /etc/redis/redis.conf), writes it there so a restart keeps it.
ensure_redis_persistence() {
  local cli=(redis-cli -h 127.0.0.1 -p "$1") conf
  if [ "$("${cli[@]}" config get appendonly | sed -n 2p)" = yes ] &&
    [ "$("${cli[@]}" config get appendfsync | sed -n 2p)" = everysec ]; then return 0; fi
  step "Turning on Redis's append-only persistence (appendfsync everysec)"
  "${cli[@]}" config set appendfsync everysec >/dev/null
  "${cli[@]}" config set appendonly yes >/dev/null
  conf="$("${cli[@]}" info server | tr -d '\r' | sed -n 's/^config_file://p')"
  if [ -n "$conf" ]; then
    "${cli[@]}" config rewrite >/dev/null || note "Could not write $conf: add 'appendonly yes' and 'appendfsync everysec' to it."
  fi
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432; then return 0; fi
  step "Starting PostgreSQL"
  if has_systemd; then
    as_root systemctl start postgresql
  else
    local started=0 ver name port status rest
    while read -r ver name port status rest; do
      [ "$ver" = "Ver" ] && continue
      if [ "$status" != "online" ]; then as_root pg_ctlcluster "$ver" "$name" start; fi
      started=1
    done < <(pg_lsclusters 2>/dev/null)
    if [ "$started" -eq 0 ]; then
      ver="$(ls /usr/lib/postgresql | sort -n | tail -1)"
      as_root pg_createcluster "$ver" main --start >/dev/null
    fi
  fi
  wait_for 30 "PostgreSQL" pg_isready -q -h 127.0.0.1 -p 5432
}

psql_admin() { as_root runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# The role "gantry" (may create databases: tests and the migration shadow database need it) with
# a generated password, kept with the other generated secrets in $GANTRY_HOME/gantry.env (0600).
# The password itself is per user, not per checkout (every checkout on this machine shares the
# role), in $GANTRY_DB_PASSWORD_FILE.
GANTRY_DB_PASSWORD_FILE="${GANTRY_DB_PASSWORD_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/gantry/db-password}"

machine_db_password() {
  if [ ! -s "$GANTRY_DB_PASSWORD_FILE" ]; then
    mkdir -p "$(dirname "$GANTRY_DB_PASSWORD_FILE")"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$GANTRY_DB_PASSWORD_FILE")
  fi
  cat "$GANTRY_DB_PASSWORD_FILE"
}

ensure_secrets_and_role() {
  mkdir -p "$GANTRY_HOME"
  if [ ! -f "$GANTRY_ENV_FILE" ]; then
    step "Generating secrets in $GANTRY_ENV_FILE"
    local pw secret
    pw="$(machine_db_password)"
    secret="$(head -c 32 /dev/urandom | base64 | tr -d '/+=' )"
    umask 077
    cat >"$GANTRY_ENV_FILE" <<EOF
# Generated by Gantry's set-up on $(date -u +%Y-%m-%dT%H:%M:%SZ). Keep private.
GANTRY_DB_PASSWORD=$pw
DATABASE_URL=postgres://gantry:$pw@127.0.0.1:5432/gantry
GANTRY_SECRET=$secret
EOF
    umask 022
  fi
  local pw
  pw="$(grep '^GANTRY_DB_PASSWORD=' "$GANTRY_ENV_FILE" | cut -d= -f2-)"
  [ -n "$pw" ] || die "GANTRY_DB_PASSWORD missing from $GANTRY_ENV_FILE"
  if ! PGPASSWORD="$pw" psql -X -q -h 127.0.0.1 -U gantry -d gantry -c 'select 1' >/dev/null 2>&1; then
    step "Creating the PostgreSQL role and database \"gantry\""
    psql_admin -v pw="$pw" <<'SQL'
SELECT format('CREATE ROLE gantry LOGIN CREATEDB PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gantry') \gexec
ALTER ROLE gantry LOGIN CREATEDB PASSWORD :'pw';
SELECT 'CREATE DATABASE gantry OWNER gantry'
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'gantry') \gexec
SQL
  fi
}

ensure_system() {
  ensure_packages
  ensure_docker
  ensure_redis
  ensure_postgres
  ensure_secrets_and_role
}

# npm dependencies and the generated Prisma client; both skipped when their inputs are unchanged.
ensure_node_deps() {
  cd "$GANTRY_ROOT"
  local stamp="$GANTRY_HOME/run/npm-ci.sha" want
  mkdir -p "$GANTRY_HOME/run"
  want="$(cat package-lock.json package.json */*/package.json | sha256sum | cut -d' ' -f1)"
  if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    step "Installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" >"$stamp"
  fi
  local gstamp="$GANTRY_HOME/run/prisma-generate.sha" gwant
  gwant="$(cat prisma/schema.prisma package-lock.json | sha256sum | cut -d' ' -f1)"
  if [ ! -f packages/db/src/generated/client.ts ] || [ "$(cat "$gstamp" 2>/dev/null)" != "$gwant" ]; then
    step "Generating the Prisma client"
    # The CLI only asks this engine for its version; no binary download happens.
    PRISMA_SCHEMA_ENGINE_BINARY="$GANTRY_ROOT/scripts/lib/prisma-engine-stub.sh" \
      npx --no-install prisma generate >/dev/null
    echo "$gwant" >"$gstamp"
  fi
}

# Everything a test or benchmark run needs before it starts: the machine, npm deps, the stack
# image and the dashboard build. Leaves the current directory at the repository root.
ensure_test_prerequisites() {
  ensure_system
  install_missing "test packages" "${TEST_PACKAGES[@]}"
  ensure_node_deps
  cd "$GANTRY_ROOT"
  node --import tsx scripts/test-prepare.ts
}
