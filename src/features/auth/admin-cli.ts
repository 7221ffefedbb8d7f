import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfigOrExit } from '../../config/index.js';
import { parseRebindTarget, rebindOwner, rotateKey } from './admin.js';
import { readSignInLinks } from './startup-link.js';

/**
 * Administration commands, reading the same configuration as the server. With the server stopped:
 *   rotate-key [--drop-undecryptable]      (npm run key:rotate; in Docker: node dist/features/auth/admin-cli.js rotate-key)
 *   rebind-owner <login | id | --unbind>   (npm run owner:rebind -- octocat)
 * With the server running:
 *   sign-in-link                           (npm run sign-in-link: its current sign-in and setup URLs)
 */
export async function runAdminCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfigOrExit(2);
  if (command === 'sign-in-link') {
    const answer = readSignInLinks(config.storage.dataDir);
    if (!answer.ok) {
      process.stderr.write(`${answer.message}\n`);
      return 1;
    }
    for (const line of answer.lines) out.write(`${line}\n`);
    return 0;
  }
  if (command === 'rotate-key') {
    const result = rotateKey(config, { dropUndecryptable: rest.includes('--drop-undecryptable') });
    out.write(`Re-encrypted ${result.rotated} secret(s) under a new key${result.dropped ? `; cleared ${result.dropped} undecryptable one(s)` : ''}.\n`);
    if (result.source === 'file') {
      out.write(`The new key is in ${result.newKeyFile}. Back it up now, separately from the database backups; the old key no longer opens anything.\n`);
    } else {
      out.write(
        `The key came from SHELLPORT_SECRET_KEY: set that variable to the contents of ${result.newKeyFile} before starting ` +
          'the server again, then delete the file.\n',
      );
    }
    return 0;
  }
  if (command === 'rebind-owner') {
    const target = parseRebindTarget(rest[0]);
    const { sessionsEnded } = await rebindOwner(config, target);
    const who = target.kind === 'id' ? `GitHub user id ${target.id}` : target.kind === 'login' ? `the GitHub account ${target.login} at its next sign-in` : 'nobody';
    out.write(`The owner is now ${who}. Stored GitHub tokens were dropped and ${sessionsEnded} sign-in session(s) ended.\n`);
    if (target.kind === 'unbind') out.write('The next GitHub sign-in that uses the setup link of the next start (npm run sign-in-link prints it) claims the server.\n');
    if (config.github.allowedUser) out.write('Note: GITHUB_ALLOWED_USER is set and still decides who may sign in.\n');
    return 0;
  }
  out.write('Commands: rotate-key [--drop-undecryptable] | rebind-owner <github-login | numeric-id | --unbind> | sign-in-link\n');
  return 2;
}

const isMain = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  runAdminCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error instanceof ConfigError ? error.message : `Error: ${error.message}`}\n`);
      process.exit(1);
    },
  );
}
