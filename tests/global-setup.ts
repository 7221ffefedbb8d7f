import { spawnSync } from 'node:child_process';
import path from 'node:path';

/** Builds the web app into public/ once per test run: the web routes and browser tests serve it. */
export default function buildWebApp() {
  const root = path.resolve(import.meta.dirname, '..');
  const result = spawnSync(process.execPath, ['scripts/build.mjs', '--web'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`The web build failed:\n${result.stdout}${result.stderr}`);
}
