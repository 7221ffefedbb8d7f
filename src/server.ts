import { buildApp } from './app.js';
import { loadConfigOrExit } from './config/index.js';
import { isRequestLoggingQuiet, renderStartupBanner, resolveConsoleFormat } from './console.js';
import type { StartupLinks } from './features/auth/startup-link.js';

const SHUTDOWN_TIMEOUT_MS = 10_000;
const LINK_COMMAND = 'npm run sign-in-link';


async function main() {
  const config = loadConfigOrExit();
  const consoleFormat = resolveConsoleFormat(config.logging.format, process.stdout.isTTY === true);
  const app = await buildApp({ config, consoleFormat }).catch((error: Error) => {
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
  // The sign-in and setup URLs carry the start-up token: in the 0600 file, and in the banner for a
  // person at a terminal; never in a log line, which journald or `docker logs` keep.
  let links: StartupLinks & { file: string | null };
  try {
    links = await app.startupToken.publish(url);
  } catch (error) {
    app.log.error({ err: error }, `could not write the sign-in link file; ${LINK_COMMAND} will not find it`);
    links = { ...(await app.startupToken.links(url)), file: null };
  }
  if (consoleFormat === 'readable') {
    process.stdout.write(
      renderStartupBanner({
        ...links,
        isGitHubConfigured: config.github.clientId !== null,
        dataDir: config.storage.dataDir,
        linkCommand: LINK_COMMAND,
        isRequestLoggingQuiet: isRequestLoggingQuiet(consoleFormat, config.logging.level),
      }),
    );
    return;
  }
  app.log.info({ url, dataDir: config.storage.dataDir }, `Shellport is running: open ${url}`);
  if ((links.signInUrl || links.setupUrl || links.deviceSignInUrl) && links.file) {
    app.log.info({ file: links.file }, `The sign-in link changes at every start: print it with \`${LINK_COMMAND}\` (it is in ${links.file}, mode 0600)`);
  }
}

void main();
