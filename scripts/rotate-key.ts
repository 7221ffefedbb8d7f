// npm run key:rotate [-- --drop-undecryptable]: re-encrypts every stored secret under a new vault key.
// Stop the server first. See docs/security.md.
import { runAdminCommand } from '../src/features/auth/admin-cli.js';

process.exitCode = await runAdminCommand(['rotate-key', ...process.argv.slice(2)]).catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  return 1;
});
