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
# Two units: shellport.service (the web server) and shellport-terminal-host.service (the owner's shells,
# docs/terminal-host.md). An upgrade restarts only the server: every terminal keeps running. The host
# runs its old code until `systemctl restart shellport-terminal-host`, which ends every terminal.
#
# Layout (matches scripts/shellport.service and scripts/shellport-terminal-host.service):
#   /opt/shellport/releases/<version>-<time>   one built release each, owned by root
#   /opt/shellport/current                     symlink to the active release
#   /etc/shellport/shellport.env               settings (created once, never overwritten; root's only)
#   /var/lib/shellport/data                    DATA_DIR: the server's (root), mode 0700
#   /var/lib/shellport/home                    home of the shellport account the shells run as,
#                                              with the workspaces in ./workspaces
# An install from before the two accounts is moved to this layout (separate_accounts). See docs/deploy.md.
set -euo pipefail

PREFIX=/opt/shellport
ETC_DIR=/etc/shellport
ENV_FILE=$ETC_DIR/shellport.env
STATE_DIR=/var/lib/shellport
DATA_DIR=$STATE_DIR/data
SHELLS_HOME=$STATE_DIR/home
WORKSPACES_DIR=$SHELLS_HOME/workspaces
UNIT_FILE=/etc/systemd/system/shellport.service
HOST_UNIT=shellport-terminal-host
HOST_UNIT_FILE=/etc/systemd/system/$HOST_UNIT.service
# The account the owner's shells run as (TERMINAL_USER in the unit); the server runs as root.
SHELLS_USER=shellport
KEEP_RELEASES=3
MIN_NODE=20.19.0

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=install
start=yes
restore_database=no

usage() { sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
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

# The release directory a running terminal host was started from (its working directory), if any.
host_release() {
  local pid
  pid=$(systemctl show -p MainPID --value "$HOST_UNIT" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$pid" != 0 ] || return 0
  readlink "/proc/$pid/cwd" 2>/dev/null | sed 's/ (deleted)$//' || true
}

start_service() {
  systemctl daemon-reload
  local units=(shellport)
  [ ! -f "$HOST_UNIT_FILE" ] || units+=("$HOST_UNIT")
  systemctl enable "${units[@]}" >/dev/null
  if [ "$start" != yes ]; then
    say "installed; start it with: sudo systemctl start ${units[*]}"
    return
  fi
  if [ -f "$HOST_UNIT_FILE" ]; then
    # Started when it is not running; a running host (and every terminal in it) is left alone.
    if systemctl is-active --quiet "$HOST_UNIT"; then
      say "the terminal host keeps running: terminals are not interrupted"
    else
      say "starting $HOST_UNIT"
      systemctl start "$HOST_UNIT"
    fi
  fi
  say "restarting shellport"
  systemctl restart shellport
  wait_healthy
  if [ -f "$HOST_UNIT_FILE" ]; then
    local running active
    running=$(host_release)
    active=$(active_release)
    if [ -n "$running" ] && [ "$running" != "$active" ]; then
      say "the terminal host still runs $(basename "$running") (kept, not pruned); terminals kept running."
      say "it changes to $(basename "$active") only when restarted, which ENDS EVERY TERMINAL:"
      say "  sudo systemctl restart $HOST_UNIT    (or Operations in the web app, which lists them first)"
      say "that is needed only when /readyz or Operations says the host must be restarted (docs/deploy.md)."
    fi
  fi
}

active_release() { readlink -f "$PREFIX/current" 2>/dev/null || true; }
# Release directories, oldest first (their names start with the UTC time they were built).
releases() { { find "$PREFIX/releases" -mindepth 1 -maxdepth 1 -type d 2>/dev/null || true; } | sort; }

rollback() {
  local current previous
  current=$(active_release)
  [ -n "$current" ] || die "no release is installed"
  previous=$(releases | { grep -v '\.rolled-back$' || true; } | while read -r r; do [ -e "$r/.rolled-back" ] || printf '%s\n' "$r"; done |
    awk -v cur="$current" '$0 < cur' | tail -n 1)
  [ -n "$previous" ] || die "no release older than $(basename "$current") to roll back to"
  if ! grep -q '^Environment=TERMINAL_USER=' "$previous/scripts/shellport.service"; then
    die "$(basename "$previous") predates the two accounts (server and shells): rolling back to it needs the data handed back to one account first (docs/deploy.md, \"Upgrades and rollbacks\")"
  fi
  stop_service
  if [ "$restore_database" = yes ]; then
    local copy
    copy="$STATE_DIR/pre-upgrade/$(basename "$current")"
    [ -d "$copy" ] || die "no database copy was taken before $(basename "$current") was installed ($copy)"
    local aside
    aside="$STATE_DIR/pre-upgrade/replaced-$(date -u +%Y%m%dT%H%M%SZ)"
    say "moving the current database to $aside and restoring the copy from before the upgrade"
    install -d -m 0700 -o root -g root "$aside"
    find "$DATA_DIR" -maxdepth 1 -name '*.db*' -exec mv -t "$aside" {} +
    cp -p "$copy"/* "$DATA_DIR"/
  fi
  say "switching to $(basename "$previous")"
  if [ ! -f "$previous/scripts/$HOST_UNIT.service" ] && [ -f "$HOST_UNIT_FILE" ]; then
    # That release runs the shells inside the server: the host is of no use to it.
    say "$(basename "$previous") predates the terminal host: stopping $HOST_UNIT, which ends every terminal"
    systemctl disable --now "$HOST_UNIT" >/dev/null 2>&1 || true
    rm -f "$HOST_UNIT_FILE"
  fi
  install_unit "$previous"
  ln -sfn "$previous" "$PREFIX/current"
  # Remember the release we left, so installing the same checkout again is an explicit choice. One
  # that open terminals still use keeps its path (their git credential helper is in it): marked instead.
  if grep -qxF "$current" <<<"$(releases_in_use)"; then
    touch "$current/.rolled-back"
  else
    mv "$current" "$current.rolled-back"
  fi
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

install_unit() { # the units of a release, with the node binary found here
  sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$1/scripts/shellport.service" >"$UNIT_FILE"
  chmod 0644 "$UNIT_FILE"
  if [ -f "$1/scripts/$HOST_UNIT.service" ]; then
    # Takes effect when the host next starts; a running host is not restarted (start_service).
    sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$1/scripts/$HOST_UNIT.service" >"$HOST_UNIT_FILE"
    chmod 0644 "$HOST_UNIT_FILE"
  fi
}

# Releases that a process of the terminal host's unit still uses, one per line. The host runs from
# the release that was current when it started (its working directory), long after later upgrades,
# and its shells name release files in their environment (the git credential helper,
# scripts/git-credential-shellport, of the server release that opened the terminal). Pruning such a
# release would break `git push` in a terminal that is still open, so they are kept while in use.
releases_in_use() {
  local cgroup procs pid
  cgroup=$(systemctl show -p ControlGroup --value "$HOST_UNIT" 2>/dev/null || true)
  [ -n "$cgroup" ] || return 0
  for procs in "/sys/fs/cgroup$cgroup/cgroup.procs" "/sys/fs/cgroup/systemd$cgroup/cgroup.procs"; do
    [ -r "$procs" ] || continue
    while read -r pid; do
      readlink "/proc/$pid/cwd" 2>/dev/null || true
      tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null || true
    done <"$procs"
    break
  done | { grep -o "$PREFIX/releases/[^/' ]*" || true; } | sort -u
}

write_env_file() {
  # Root's only: the shells' account must not read the secrets in it (systemd reads it as root).
  install -d -m 0700 -o root -g root "$ETC_DIR"
  if [ -f "$ENV_FILE" ]; then
    say "keeping $ENV_FILE"
    chown root:root "$ENV_FILE"
    chmod 0600 "$ENV_FILE"
    return
  fi
  say "writing $ENV_FILE: set PUBLIC_URL and GitHub sign-in there (docs/deploy.md)"
  cat >"$ENV_FILE" <<'EOF'
# Shellport settings; every variable is described in docs/configuration.md.
# DATA_DIR (/var/lib/shellport/data), TERMINAL_USER and TERMINAL_HOST=service are set by the systemd
# unit; do not set them here (this file would win). The terminal host reads none of this file.
# After a change: sudo systemctl restart shellport   (terminals keep running)

# Listen on loopback only; a reverse proxy on this host (Caddy, nginx) serves HTTPS.
HOST=127.0.0.1
PORT=3000
# The address browsers use, e.g. https://shell.example.com (cookies are Secure when it is https).
PUBLIC_URL=
# The reverse proxy on this host is the only one whose X-Forwarded-For is believed.
TRUST_PROXY=127.0.0.1,::1

# GitHub sign-in (docs/deploy.md, "GitHub OAuth App"). The client secret can instead come from a file
# (LoadCredential= in the unit, GITHUB_CLIENT_SECRET_FILE; docs/configuration.md).
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
  chown root:root "$ENV_FILE"
  chmod 0600 "$ENV_FILE"
}

# Before the two accounts (issue 18) the server and the shells were one account, shellport, whose home
# was $STATE_DIR and which owned DATA_DIR, the workspaces inside it. Now DATA_DIR is root's and the shells'
# home is $SHELLS_HOME, the workspaces in it (the server finds moved workspaces at start). Run while the
# service is stopped; does nothing once done. chown -h: a symbolic link is changed, never what it points to.
separate_accounts() {
  if [ "$(getent passwd "$SHELLS_USER" | cut -d: -f6)" != "$SHELLS_HOME" ]; then
    say "moving the home of $SHELLS_USER from $STATE_DIR to $SHELLS_HOME"
    local entry
    for entry in "$STATE_DIR"/* "$STATE_DIR"/.[!.]* "$STATE_DIR"/..?*; do
      [ -e "$entry" ] || [ -L "$entry" ] || continue
      case "$(basename "$entry")" in data | home | pre-upgrade) continue ;; esac
      mv "$entry" "$SHELLS_HOME"/
    done
    usermod --home "$SHELLS_HOME" "$SHELLS_USER"
    chown -hR "$SHELLS_USER:$SHELLS_USER" "$SHELLS_HOME"
  fi
  chown root:root "$STATE_DIR"
  chmod 0711 "$STATE_DIR"
  if [ -d "$DATA_DIR/workspaces" ] && [ ! -L "$DATA_DIR/workspaces" ]; then
    if [ -n "$(ls -A "$WORKSPACES_DIR" 2>/dev/null || true)" ]; then
      die "both $DATA_DIR/workspaces and $WORKSPACES_DIR hold workspaces: merge them into $WORKSPACES_DIR by hand, then run this again"
    fi
    say "moving the workspaces from $DATA_DIR/workspaces to $WORKSPACES_DIR"
    rmdir "$WORKSPACES_DIR" 2>/dev/null || true
    mv "$DATA_DIR/workspaces" "$WORKSPACES_DIR"
    chown -hR "$SHELLS_USER:$SHELLS_USER" "$WORKSPACES_DIR"
  fi
  if [ -n "$(find "$DATA_DIR" "$STATE_DIR/pre-upgrade" ! -user root -print -quit 2>/dev/null)" ]; then
    say "making $DATA_DIR the server's (root) alone"
    chown -hR root:root "$DATA_DIR"
    [ ! -d "$STATE_DIR/pre-upgrade" ] || chown -hR root:root "$STATE_DIR/pre-upgrade"
  fi
  chmod 0700 "$DATA_DIR"
  [ -d "$WORKSPACES_DIR" ] || install -d -m 0700 -o "$SHELLS_USER" -g "$SHELLS_USER" "$WORKSPACES_DIR"
}

install_release() {
  say "installing packages"
  if command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      git bash openssh-client ca-certificates python3 make g++ >&2
  else
    say "no apt-get: make sure git, bash, ssh, python3, make and g++ are installed"
  fi

  # Existing directories change hands only once the service has stopped (separate_accounts).
  [ -d "$STATE_DIR" ] || install -d -m 0711 -o root -g root "$STATE_DIR"
  if ! id "$SHELLS_USER" >/dev/null 2>&1; then
    say "creating the $SHELLS_USER account for the shells (home $SHELLS_HOME)"
    useradd --system --user-group --home-dir "$SHELLS_HOME" --create-home --shell /bin/bash "$SHELLS_USER"
  fi
  [ -d "$DATA_DIR" ] || install -d -m 0700 -o root -g root "$DATA_DIR"
  [ -d "$SHELLS_HOME" ] || install -d -m 0700 -o "$SHELLS_USER" -g "$SHELLS_USER" "$SHELLS_HOME"
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
    install -d -m 0700 -o root -g root "$STATE_DIR/pre-upgrade" "$copy"
    find "$DATA_DIR" -maxdepth 1 -name '*.db*' -exec cp -p -t "$copy" {} +
  fi

  separate_accounts
  install_unit "$release"
  ln -sfn "$release" "$PREFIX/current"
  say "active release: $(basename "$release")"

  # Keep the newest releases (and their pre-upgrade copies) so rollbacks have somewhere to go, and
  # every release the running terminal host or its shells still use (releases_in_use).
  local in_use
  in_use=$(releases_in_use)
  releases | head -n "-$KEEP_RELEASES" | while read -r old; do
    [ "$old" = "$release" ] && continue
    if grep -qxF "$old" <<<"$in_use"; then
      say "keeping $(basename "$old"): the terminal host or an open terminal still uses it"
      continue
    fi
    rm -rf "$old" "$STATE_DIR/pre-upgrade/$(basename "$old")"
  done
  start_service
}

case "$action" in
  install) install_release ;;
  rollback) rollback ;;
esac
