import { buildApp } from './app.js';
import { loadConfigOrExit } from './config/index.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;


async function main() {
  const config = loadConfigOrExit();
  const app = await buildApp({ config }).catch((error: Error) => {
    process.stderr.write(`Shellport could not start: ${error.message}\n`);
    process.exit(1);
  });

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const forceExit = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    forceExit.unref();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` Port ${config.server.port} is taken: set PORT to a free one.` : '';
    process.stderr.write(`Shellport could not listen on ${config.server.host}:${config.server.port}: ${(error as Error).message}.${hint}\n`);
    await app.close();
    process.exit(1);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const url = config.server.publicUrl.replace(/:\d+$/, `:${port}`);
  process.stdout.write(`Shellport is running: open ${url}\n`);
  // The sign-in and setup URLs carry the start-up token: written to the console only, never to the log.
  for (const line of await app.startupToken.describe(url)) process.stdout.write(`${line}\n`);
}

void main();
