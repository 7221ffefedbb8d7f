// npm run owner:rebind -- <github-login | numeric-id | --unbind>: hands the server to another GitHub account.
// Stop the server first. See docs/security.md.
import { runAdminCommand } from '../src/features/auth/admin-cli.js';

process.exitCode = await runAdminCommand(['rebind-owner', ...process.argv.slice(2)]).catch((error: Error) => {
  process.stderr.write(`Error: ${error.message}\n`);
  return 1;
});
