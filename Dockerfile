# syntax=docker/dockerfile:1
# Shellport image. Build: docker build -t shellport .   Run: see docker-compose.yml and docs/deploy.md.
#
# Both stages use the same Debian release (bookworm) so the native modules compiled in the build
# stage (node-pty, better-sqlite3) link against the same glibc as the runtime.
# tests/deploy/ replays this file's npm steps outside Docker and starts the result: keep the npm
# commands here and in scripts/install.sh the same.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: compile TypeScript, the web bundle and the native modules ----
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# node-gyp builds against the headers that ship with the image instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app

# Dependencies first, so editing the source does not re-run the install. Install scripts run only
# for the packages that need them (package.json "allowScripts"); the rest, such as Prisma's engine
# download, is neither needed nor wanted: the generated client is committed and needs no engine.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
RUN npm rebuild better-sqlite3 node-pty esbuild

COPY . .
# Server into dist/, web app into public/ (created empty if there is none yet).
RUN npm run build && mkdir -p public
# Keep only production dependencies, with their native builds.
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# git, bash and ssh are for the owner's terminals and workspaces; tini is PID 1 so orphaned
# processes from terminals are reaped and signals reach Node. EXTRA_PACKAGES adds tools for the
# terminals, e.g. --build-arg EXTRA_PACKAGES="vim tmux".
ARG EXTRA_PACKAGES=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bash openssh-client ca-certificates tini less procps ${EXTRA_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*

# Two accounts (docs/security.md, "What a program in a terminal can reach"). The server runs as root:
# it keeps /data (database, vault key, backups, terminal output) to itself, mode 0700, and starts the
# owner's shells, its git commands and uploads as `shellport` (TERMINAL_USER below), which owns its
# home and the workspaces in it and cannot read /data or the server's process. Root is needed to
# switch accounts; the shells keep no capability.
ARG SHELLPORT_UID=1001
RUN useradd --create-home --home-dir /home/shellport --shell /bin/bash --uid ${SHELLPORT_UID} --user-group shellport \
 && install -d -m 0700 -o shellport -g shellport /home/shellport/workspaces \
 && install -d -m 0700 -o root -g root /data

# The application stays owned by root: the shells can read it but not change it.
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma/migrations ./prisma/migrations
COPY --from=build /app/public ./public
# Operator commands run in the container (npm run backup|restore|..., see docs/deploy.md).
COPY --from=build /app/scripts ./scripts

ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    TERMINAL_USER=shellport \
    WORKSPACES_DIR=/home/shellport/workspaces \
    LANG=C.UTF-8
VOLUME ["/data"]
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
# Applies pending migrations, then listens. SIGTERM shuts down gracefully within 10 s.
# docker-compose.yml also runs this image, tagged shellport:terminal-host, as the terminal host
# (node dist/terminal-host/main.js --dir /data/terminal-host ...), which owns the shells.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=1", "dist/server.js"]
