#!/usr/bin/env node
// Builds everything `npm start` serves:
//  - the server: src/ → dist/, file by file, keeping the layout so paths such as
//    prisma/migrations resolve the same from src/ and dist/;
//  - the web app: src/web/main.ts (+ CSS, xterm.js) bundled into public/assets/ with content
//    hashes in the file names, and public/index.html pointing at them;
//  - the installable app (issue 20): the service worker (src/web/sw/service-worker.ts), the web app
//    manifest and its icons, with fixed names in public/assets/pwa/ (under assets/ so that git ignores
//    them; in a folder of their own so that the hashed-assets route never serves them):
//    src/features/web/routes.ts serves them at /sw.js, /manifest.webmanifest and /icons/<name>.
// Type checking is `npm run typecheck`. `--web` or `--server` builds only that part.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { appIcons, ICON_BACKGROUND } from './web-icons.mjs';

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
  writeAtomically(index, html);
  await buildInstallableApp(path.join(assetsDir, PWA_DIR));
  pruneOldAssets(assetsDir, new Set([...outputs, PWA_DIR]));
  return { script, style };
}

/** The folder of public/assets/ with the service worker, the manifest and the icons (fixed names). */
export const PWA_DIR = 'pwa';

/** What the browser installs: name, colours, icons; opened on the dashboard (the phone's home). */
export const WEB_APP_MANIFEST = {
  id: '/',
  name: 'Shellport',
  short_name: 'Shellport',
  description: 'Your terminals and the agents in them, from any browser.',
  start_url: '/dashboard',
  scope: '/',
  display: 'standalone',
  // The dark theme's background (base.css), as the icon: the splash screen and title bar match the app.
  background_color: ICON_BACKGROUND,
  theme_color: ICON_BACKGROUND,
  icons: [
    { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
    { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
    { src: '/icons/maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
    { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: '/favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
};

/** The service worker (a classic script: every browser with Web Push runs those), the manifest and the icons. */
async function buildInstallableApp(dir) {
  mkdirSync(dir, { recursive: true });
  const result = await build({
    entryPoints: [path.join(webSrc, 'sw', 'service-worker.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    minify: true,
    logLevel: 'warning',
  });
  writeAtomically(path.join(dir, 'sw.js'), result.outputFiles[0].contents);
  writeAtomically(path.join(dir, 'manifest.webmanifest'), `${JSON.stringify(WEB_APP_MANIFEST, null, 2)}\n`);
  for (const [name, png] of Object.entries(appIcons())) writeAtomically(path.join(dir, name), png);
}

/** Replaced by a rename: a server reading the file meanwhile gets the old one or the new one, whole. */
function writeAtomically(file, contents) {
  writeFileSync(`${file}.${process.pid}.tmp`, contents);
  renameSync(`${file}.${process.pid}.tmp`, file);
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
