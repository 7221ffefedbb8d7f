#!/usr/bin/env node
// Builds everything `npm start` serves:
//  - the server: src/ → dist/, file by file, keeping the layout so paths such as
//    prisma/migrations resolve the same from src/ and dist/;
//  - the web app: src/web/main.ts (+ CSS, xterm.js) bundled into public/assets/ with content
//    hashes in the file names, and public/index.html pointing at them.
// Type checking is `npm run typecheck`. `--web` or `--server` builds only that part.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const webSrc = path.join(src, 'web');

function serverSourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === webSrc ? [] : serverSourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

async function buildServer() {
  await build({
    entryPoints: serverSourceFiles(src),
    outdir: path.join(root, 'dist'),
    outbase: src,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
}

/** Bundles the web app into `outDir` (default public/); returns the asset file names. */
export async function buildWeb(outDir = path.join(root, 'public')) {
  const assetsDir = path.join(outDir, 'assets');
  mkdirSync(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(webSrc, 'main.ts')],
    bundle: true,
    outdir: assetsDir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const script = outputs.find((name) => /^main-.*\.js$/.test(name));
  const style = outputs.find((name) => /^main-.*\.css$/.test(name));
  if (!script || !style) throw new Error(`The web build produced no main script or stylesheet: ${outputs.join(', ')}`);
  const html = readFileSync(path.join(webSrc, 'index.html'), 'utf8')
    .replace('<!-- stylesheet -->', `<link rel="stylesheet" href="/assets/${style}">`)
    .replace('<!-- script -->', `<script type="module" src="/assets/${script}"></script>`);
  // Replaced by a rename, and older assets kept a while: a page (or a test run beside this build) that
  // loaded the previous index.html still finds the files it names.
  const index = path.join(outDir, 'index.html');
  writeFileSync(`${index}.${process.pid}.tmp`, html);
  renameSync(`${index}.${process.pid}.tmp`, index);
  pruneOldAssets(assetsDir, new Set(outputs));
  return { script, style };
}

/** Deletes assets of earlier builds once they are ten minutes old. */
function pruneOldAssets(assetsDir, keep) {
  const cutoff = Date.now() - 10 * 60_000;
  for (const name of readdirSync(assetsDir)) {
    if (keep.has(name)) continue;
    const file = path.join(assetsDir, name);
    if (statSync(file).mtimeMs < cutoff) rmSync(file, { force: true });
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const only = process.argv[2];
  const started = Date.now();
  if (only !== '--web') await buildServer();
  if (only !== '--server') await buildWeb();
  console.log(`Built ${only === '--web' ? 'the web app' : only === '--server' ? 'the server' : 'the server and the web app'} in ${Date.now() - started} ms`);
}
