# Shared by scripts/run and scripts/test: install what is missing (saying what), and
# find or start PostgreSQL. Tools go machine-wide (cargo's root),
# so a fresh clone on the same machine installs nothing again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION=0.3.10  # 0.3.11 with --locked needs rustc 1.96
WASM_OPT_VERSION=0.116.1   # crates.io's native wasm-opt (binaryen 116); Debian's 108 breaks hydration
PRIVATE_PG_PORT="${CAREOPS_PG_PORT:-54329}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "root is needed to run: $*"
  fi
}

apt_install() {
  say "Installing with apt-get: $*"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y --no-install-recommends "$@" \
    || { as_root apt-get update -q && as_root apt-get install -y --no-install-recommends "$@"; }
}

# The wasm-bindgen version Cargo.lock resolved; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
}

ensure_rust_tools() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    say "Installing cargo-leptos $CARGO_LEPTOS_VERSION (once per machine; several minutes)"
    # Its release profile asks for fat LTO with one codegen unit (15 minutes on two
    # cores); a build tool does not need that, so build it the quick way.
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  local wb
  wb="$(wasm_bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb" ]; then
    say "Installing wasm-bindgen-cli $wb (the version in Cargo.lock; about 2 minutes)"
    # Not --locked: its lockfile names a crate version the registry no longer has.
    cargo install wasm-bindgen-cli --version "$wb" --force
  fi
  # A release build runs wasm-opt once per WASM file: hundreds, split into lazy routes.
  # The native one takes milliseconds a file where npm's (binaryen compiled to
  # JavaScript) spends a second starting Node: ten minutes a build.
  # It prints "wasm-opt version 116 (version_116)": binaryen's version, the crate's minor.
  local binaryen="${WASM_OPT_VERSION#0.}"
  if [ "$(wasm-opt --version 2>/dev/null | awk '{print $3}')" != "${binaryen%%.*}" ]; then
    say "Installing wasm-opt $WASM_OPT_VERSION (builds binaryen from source, once per machine; about 10 minutes)"
    cargo install wasm-opt --version "$WASM_OPT_VERSION" --locked
  fi
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
}

ensure_e2e_packages() {
  ensure_node
  if [ ! -d end2end/node_modules/@playwright/test ] \
    || ! cmp -s end2end/package-lock.json end2end/node_modules/.package-lock.json.installed; then
    say "Installing the end2end Node packages (npm ci)"
    # Playwright must never download a browser: we use Debian's Chromium.
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --loglevel=error --no-audit --no-fund)
    cp end2end/package-lock.json end2end/node_modules/.package-lock.json.installed
  fi
}

# The tests read invoice and receipt PDFs as a patient would, through poppler's pdftotext.
ensure_pdf_reader() {
  command -v pdftotext >/dev/null || apt_install poppler-utils
}

# A real SMTP server for the tests that send mail: Debian's, run by Debian's Python.
ensure_smtp_server() {
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || apt_install python3-aiosmtpd
}

pg_answers() { pg_isready -q -h 127.0.0.1 -p "$1" -t 3 >/dev/null 2>&1; }

pg_bin_dir() {
  local initdb
  initdb="$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$initdb" ] && dirname "$initdb"
}

# Sets PG_SERVER_URL: a superuser URL of a running server, without a database name.
# DATABASE_URL if set; else a server on 127.0.0.1:5432; else a private cluster under
# .data/ (installing PostgreSQL with apt-get if needed).
ensure_postgres() {
  command -v psql >/dev/null && command -v pg_isready >/dev/null || apt_install postgresql-client
  if [ -n "${DATABASE_URL:-}" ]; then
    PG_SERVER_URL="${DATABASE_URL%/*}"
    return
  fi
  if pg_answers 5432; then
    PG_SERVER_URL="postgres://postgres@127.0.0.1:5432"
    return
  fi
  start_private_cluster
  PG_SERVER_URL="postgres://postgres@127.0.0.1:$PRIVATE_PG_PORT"
}

start_private_cluster() {
  pg_answers "$PRIVATE_PG_PORT" && return
  local bin data="$ROOT/.data/postgres"
  bin="$(pg_bin_dir)" || true
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin="$(pg_bin_dir)"
  fi
  # PostgreSQL refuses to run as root; then it runs as the postgres user, from a
  # directory that user can reach.
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    run=(runuser -u postgres --)
    if ! runuser -u postgres -- test -x "$ROOT/.data" 2>/dev/null && ! { mkdir -p "$ROOT/.data" && runuser -u postgres -- test -x "$ROOT/.data"; }; then
      data="/var/tmp/careops-postgres-$(id -u)-$(printf '%s' "$ROOT" | md5sum | cut -c1-8)"
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "Creating a private PostgreSQL cluster in $data"
    mkdir -p "$data"
    [ "${#run[@]}" -gt 0 ] && chown postgres "$data"
    "${run[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  say "Starting the private PostgreSQL cluster on 127.0.0.1:$PRIVATE_PG_PORT"
  "${run[@]}" "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $PRIVATE_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" start >/dev/null
}

create_database() {
  local name="$1"
  if ! psql "$PG_SERVER_URL/postgres" -tAc "select 1 from pg_database where datname = '$name'" | grep -q 1; then
    psql -q "$PG_SERVER_URL/postgres" -c "create database \"$name\""
  fi
}

drop_database() {
  psql -q "$PG_SERVER_URL/postgres" -c "drop database if exists \"$1\" with (force)" 2>/dev/null || true
}

# The release site: the server binary and the browser's WASM, split into one chunk per
# page (lazy routes) and precompressed (brotli and gzip beside each file).
release_build() {
  cargo leptos build --release --precompress --split
}

random_secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# How cargo-leptos names the site, for running the server binary directly.
export_leptos_env() {
  export LEPTOS_OUTPUT_NAME=careops LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true LEPTOS_ENV=PROD LEPTOS_SITE_ADDR="127.0.0.1:${1:-3000}"
}

# Starts the release build on 127.0.0.1:$1 against database $2 (made if missing), logging
# to $3, and waits until it answers. Sets SERVER_PID; the caller stops it.
serve_release_build() {
  local port="$1" db="$2" log="$3" healthy=""
  create_database "$db"
  export_leptos_env "$port"
  say "Starting CareOps on 127.0.0.1:$port with database $db"
  DATABASE_URL="$PG_SERVER_URL/$db" LOG_FORMAT=json RUST_LOG=warn target/release/careops > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && { healthy=1; break; }
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log"; die "the server did not start"; }
    sleep 0.2
  done
  [ -n "$healthy" ] || { cat "$log"; die "the server did not answer /health within 30 s"; }
}
