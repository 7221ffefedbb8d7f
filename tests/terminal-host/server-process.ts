// A Shellport server in a process of its own, for the tests that kill it (tests/terminal-host/).
// Builds the real app from the environment, signs the owner in (the sign-in lives in the database,
// so the cookie outlives the process), listens on PORT, prints `{"port","cookie"}` on stdout, and shuts
// down on SIGTERM as src/server.ts does.
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';

const config = loadConfig(process.env);
const app = await buildApp({ config });
await app.listen({ host: '127.0.0.1', port: config.server.port });
const { token } = await app.auth.sessions.create({ ip: '127.0.0.1', userAgent: 'server-process' });
const address = app.server.address() as { port: number };
// TEST_WORKSPACE_DIR: a git repository to know as the ready workspace owner/repo (no clone needed).
const workspaceDir = process.env.TEST_WORKSPACE_DIR;
const workspace = workspaceDir
  ? await app.db.workspace.upsert({ where: { localPath: workspaceDir }, update: {}, create: { name: 'owner/repo', cloneUrl: 'https://github.com/owner/repo.git', localPath: workspaceDir, cloneState: 'ready' } })
  : null;
process.stdout.write(`${JSON.stringify({ port: address.port, cookie: `${app.auth.cookieName}=${token}`, pid: process.pid, workspaceId: workspace?.id ?? null })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
