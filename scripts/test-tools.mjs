#!/usr/bin/env node
// Installs the tests' own tools (tests/tools/package.json: the real agent CLIs, run offline against
// fake model APIs) when they are missing or older than their lockfile. `npm test` runs it first
// (pretest); they are not the app's dependencies, so neither the image nor an install carries them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../tests/tools');
const lock = path.join(dir, 'package-lock.json');
const installed = path.join(dir, 'node_modules', '.package-lock.json');
if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) process.exit(0);

console.log('Installing the test tools in tests/tools (the agent CLIs, about 660 MB) …');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('Installing the test tools failed: see npm\'s message above, then run `npm run test:tools` again.');
  process.exit(result.status ?? 1);
}
