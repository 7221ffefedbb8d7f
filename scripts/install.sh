#!/usr/bin/env bash
# Installs or upgrades Shellport as a systemd service on Debian/Ubuntu, without Docker.
# Run from a Shellport checkout (or unpacked release), as root:
#
#   sudo scripts/install.sh                 install, or upgrade to this checkout
#   sudo scripts/install.sh --rollback      switch back to the previous release (code only)
#   sudo scripts/install.sh --rollback --restore-database
#                                           ...and put back the database copied before the last upgrade
#   sudo scripts/install.sh --no-start      install without (re)starting the service
#
# Layout (matches scripts/shellport.service):
#   /opt/shellport/releases/<version>-<time>   one built release each, owned by root
#   /opt/shellport/current                     symlink to the active release
#   /etc/shellport/shellport.env               settings (created once, never overwritten)
#   /var/lib/shellport                         home of the shellport user; data in ./data
# See docs/deploy.md.
set -euo pipefail

PREFIX=/opt/shellport
ETC_DIR=/etc/shellport
ENV_FILE=$ETC_DIR/shellport.env
STATE_DIR=/var/lib/shellport
DATA_DIR=$STATE_DIR/data
UNIT_FILE=/etc/systemd/system/shellport.service
SERVICE_USER=shellport
KEEP_RELEASES=3
MIN_NODE=20.19.0

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=install
start=yes
restore_database=no

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --rollback) action=rollback ;;
    --restore-database) restore_database=yes ;;
    --no-start) start=no ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $*)"
command -v systemctl >/dev/null || die "systemd is required; on other systems use Docker (docs/deploy.md)"

node_bin=$(command -v node || true)
[ -n "$node_bin" ] || die "Node.js $MIN_NODE or newer is required: install Node.js 20 LTS (see docs/deploy.md), then run this again"
"$node_bin" -e '
  const [want, have] = [process.argv[1], process.versions.node].map((v) => v.split(".").map(Number));
  const ok = have[0] > want[0] || (have[0] === want[0] && (have[1] > want[1] || (have[1] === want[1] && have[2] >= want[2])));
  process.exit(ok ? 0 : 1);
' "$MIN_NODE" || die "Node.js $MIN_NODE or newer is required; $node_bin is $("$node_bin" --version)"

env_value() { # the value of a variable in the env file, if set there
  [ -f "$ENV_FILE" ] || return 0
  sed -n "s/^[[:space:]]*$1=//p" "$ENV_FILE" | tail -n 1 | tr -d "\"'[:space:]"
}

wait_healthy() {
  local port host
  port=$(env_value PORT); port=${port:-3000}
  host=$(env_value HOST)
  case "$host" in "" | 0.0.0.0 | ::) host=127.0.0.1 ;; esac
  [[ "$host" == *:* ]] && host="[$host]"
  say "waiting for http://$host:$port/healthz"
  for _ in $(seq 1 60); do
    if "$node_bin" -e "fetch('http://$host:$port/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
      say "Shellport is up. Logs: journalctl -u shellport -f"
      return 0
    fi
    sleep 1
  done
  systemctl --no-pager status shellport || true
  die "Shellport did not answer /healthz within 60 s (journalctl -u shellport -e); to go back: sudo $0 --rollback"
}

stop_service() {
  if systemctl is-active --quiet shellport; then
    say "stopping shellport"
    systemctl stop shellport
  fi
}

start_service() {
  systemctl daemon-reload
  systemctl enable shellport >/dev/null
  if [ "$start" = yes ]; then
    say "starting shellport"
    systemctl restart shellport
    wait_healthy
  else
    say "installed; start it with: sudo systemctl start shellport"
  fi
}

active_release() { readlink -f "$PREFIX/current" 2>/dev/null || true; }
# Release directories, oldest first (their names start with the UTC time they were built).
releases() { { find "$PREFIX/releases" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true; } | sort; }

rollback() {
  local current previous
  current=$(active_release)
  [ -n "$current" ] || die "no release is installed"
  previous=$(releases | { grep -v '\.rolled-back$' || true; } | awk -v cur="$current" '$0 < cur' | tail -n 1)
  [ -n "$previous" ] || die "no release older than $(basename "$current") to roll back to"
  stop_service
  if [ "$restore_database" = yes ]; then
    local copy
    copy="$STATE_DIR/pre-upgrade/$(basename "$current")"
    [ -d "$copy" ] || die "no database copy was taken before $(basename "$current") was installed ($copy)"
    local aside
    aside="$STATE_DIR/pre-upgrade/replaced-$(date -u +%Y%m%dT%H%M%SZ)"
    say "moving the current database to $aside and restoring the copy from before the upgrade"
    install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$aside"
    find "$DATA_DIR" -maxdepth 1 -name '*.db*' -exec mv -t "$aside" {} +
    cp -p "$copy"/* "$DATA_DIR"/
  fi
  say "switching to $(basename "$previous")"
  ln -sfn "$previous" "$PREFIX/current"
  # Remember the release we left, so installing the same checkout again is an explicit choice.
  mv "$current" "$current.rolled-back"
  start_service
}

build_release() {
  local version stamp release
  version=$("$node_bin" -p "require('$SOURCE_DIR/package.json').version")
  if git -C "$SOURCE_DIR" rev-parse --short HEAD >/dev/null 2>&1; then
    version="$version-$(git -C "$SOURCE_DIR" rev-parse --short HEAD)"
  fi
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  release="$PREFIX/releases/$stamp-$version"
  say "building $release"
  install -d -m 0755 "$release"
  tar -C "$SOURCE_DIR" \
    --exclude=./.git --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.env \
    --exclude=./test-artifacts --exclude=./coverage --exclude='*.db' --exclude='*.db-wal' --exclude='*.db-shm' \
    --exclude=./secret.key -cf - . | tar -C "$release" -xf -
  # The same steps as the Dockerfile's build stage (tests/deploy checks that they agree).
  (
    cd "$release"
    npm ci --ignore-scripts --no-audit --no-fund
    npm rebuild better-sqlite3 node-pty esbuild
    npm run build && mkdir -p public
    npm prune --omit=dev --ignore-scripts --no-audit --no-fund
  ) >&2
  chown -R root:root "$release"
  chmod -R go-w "$release"
  printf '%s\n' "$release"
}

write_env_file() {
  install -d -m 0750 -o root -g "$SERVICE_USER" "$ETC_DIR"
  if [ -f "$ENV_FILE" ]; then
    say "keeping $ENV_FILE"
    return
  fi
  say "writing $ENV_FILE: set PUBLIC_URL and GitHub sign-in there (docs/deploy.md)"
  cat >"$ENV_FILE" <<'EOF'
# Shellport settings; every variable is described in docs/configuration.md.
# DATA_DIR is fixed by the systemd unit to /var/lib/shellport/data.
# After a change: sudo systemctl restart shellport

# Listen on loopback only; a reverse proxy on this host (Caddy, nginx) serves HTTPS.
HOST=127.0.0.1
PORT=3000
# The address browsers use, e.g. https://shell.example.com (cookies are Secure when it is https).
PUBLIC_URL=
# The reverse proxy on this host is the only one whose X-Forwarded-For is believed.
TRUST_PROXY=127.0.0.1,::1

# GitHub sign-in (docs/deploy.md, "GitHub OAuth App").
GITHUB_CLIENT_ID=
GITHUB_CLIENT_SECRET=
GITHUB_ALLOWED_USER=

# With an https PUBLIC_URL and TRUST_PROXY set, Shellport does not count as local-only although it
# listens on loopback: the start-up sign-in URL and a token-less /metrics are refused. Turn the
# sign-in URL off explicitly once GitHub sign-in works, and give /metrics a token (openssl rand -hex 32).
# TOKEN_SIGN_IN=false
# METRICS_TOKEN=

LOG_LEVEL=info
EOF
  chown root:"$SERVICE_USER" "$ENV_FILE"
  chmod 0640 "$ENV_FILE"
}

install_release() {
  say "installing packages"
  if command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      git bash openssh-client ca-certificates python3 make g++ >&2
  else
    say "no apt-get: make sure git, bash, ssh, python3, make and g++ are installed"
  fi

  if ! id "$SERVICE_USER" >/dev/null 2>&1; then
    say "creating the $SERVICE_USER user (home $STATE_DIR)"
    useradd --system --user-group --home-dir "$STATE_DIR" --create-home --shell /bin/bash "$SERVICE_USER"
  fi
  install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR" "$DATA_DIR"
  write_env_file

  install -d -m 0755 "$PREFIX" "$PREFIX/releases"
  local release previous
  release=$(build_release)
  previous=$(active_release)

  stop_service
  if [ -n "$previous" ] && compgen -G "$DATA_DIR/*.db" >/dev/null; then
    # Migrations run forward at start-up; this copy (taken while stopped, so consistent) is what
    # --rollback --restore-database puts back.
    local copy
    copy="$STATE_DIR/pre-upgrade/$(basename "$release")"
    say "copying the database to $copy before upgrading"
    install -d -m 0700 -o "$SERVICE_USER" -g "$SERVICE_USER" "$STATE_DIR/pre-upgrade" "$copy"
    find "$DATA_DIR" -maxdepth 1 -name '*.db*' -exec cp -p -t "$copy" {} +
  fi

  sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$release/scripts/shellport.service" >"$UNIT_FILE"
  chmod 0644 "$UNIT_FILE"
  ln -sfn "$release" "$PREFIX/current"
  say "active release: $(basename "$release")"

  # Keep the newest releases (and their pre-upgrade copies) so rollbacks have somewhere to go.
  releases | head -n "-$KEEP_RELEASES" | while read -r old; do
    [ "$old" = "$release" ] && continue
    rm -rf "$old" "$STATE_DIR/pre-upgrade/$(basename "$old")"
  done
  start_service
}

case "$action" in
  install) install_release ;;
  rollback) rollback ;;
esac
