import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../http/errors.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import { APP_ROUTES } from '../../shared/app-paths.js';

/** public/ next to package.json, from src/ (tsx, tests) and from dist/ alike. */
export const PUBLIC_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../public');

/** Paths the browser app handles itself (src/shared/app-paths.ts); each serves index.html. */
export const APP_PATHS: readonly string[] = Object.values(APP_ROUTES);

const NOT_PAGES = ['/api/', '/assets/', '/auth/', '/ws/'];

/** A browser loading a page (it prefers HTML) rather than a script calling the API. */
function isPageNavigation(accept: string | undefined, pathname: string): boolean {
  return Boolean(accept?.includes('text/html')) && !NOT_PAGES.some((prefix) => pathname.startsWith(prefix));
}

export interface WebRoutesOptions {
  publicDir?: string;
}

const assetParams = z.object({ file: z.string().regex(/^\w[\w.-]*$/, 'an asset file name') });

/** The installable app's files, fixed names the build writes to public/assets/pwa/ (scripts/build.mjs). */
const PWA_DIR = path.join('assets', 'pwa');
const ICONS = ['icon-192.png', 'icon-512.png', 'maskable-192.png', 'maskable-512.png', 'apple-touch-icon.png', 'badge-96.png'] as const;
const iconParams = z.object({ file: z.enum(ICONS) });

// Hashed names change with their content, so browsers may keep them forever; index.html must be
// revalidated every time so that a new build is picked up at once.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Serves the bundled web app from public/: index.html for app paths, hashed assets, the icons, the manifest and the service worker. */
export async function webRoutes(fastify: FastifyInstance, { publicDir = PUBLIC_DIR }: WebRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  await app.register(fastifyStatic, { root: publicDir, serve: false });
  const indexFile = path.join(publicDir, 'index.html');

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(indexFile)) {
      throw new AppError(503, 'web_app_not_built', 'The web app has not been built: run `npm run build` (npm start does it for you).');
    }
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile('index.html', { cacheControl: false });
  };

  for (const url of APP_PATHS) {
    app.get(url, { config: PUBLIC_ROUTE }, async (_request, reply) => sendIndex(reply));
  }

  app.get('/assets/:file', { config: PUBLIC_ROUTE, schema: { params: assetParams } }, async (request, reply) => {
    const { file } = request.params;
    if (!existsSync(path.join(publicDir, 'assets', file))) throw notFound(`No asset named ${file}; reload the page to get the current version.`);
    return reply.header('cache-control', IMMUTABLE).sendFile(path.join('assets', file), { cacheControl: false });
  });

  // Any other page a browser navigates to gets the app, which shows its own "Nothing here" (or the
  // sign-in screen); API clients and scripts keep the JSON error.
  app.get('/*', { config: PUBLIC_ROUTE }, async (request, reply) => {
    const pathname = request.url.split('?')[0]!;
    if (!isPageNavigation(request.headers.accept, pathname)) throw notFound(`No route for GET ${pathname}.`);
    return sendIndex(reply.code(404));
  });

  app.get('/favicon.svg', { config: PUBLIC_ROUTE }, async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=86400').sendFile('favicon.svg', { cacheControl: false }),
  );

  // The installable app (issue 20). Public: a browser fetches them without its cookies (the manifest),
  // or before anyone signs in, and they hold nothing private.
  const sendPwaFile = (reply: FastifyReply, file: string, type: string, cacheControl: string) => {
    if (!existsSync(path.join(publicDir, PWA_DIR, file))) {
      throw new AppError(503, 'web_app_not_built', 'The web app has not been built: run `npm run build` (npm start does it for you).');
    }
    return reply.header('cache-control', cacheControl).type(type).sendFile(path.join(PWA_DIR, file), { cacheControl: false, contentType: false });
  };
  // The service worker at the root, so that its scope is the whole app; revalidated on every check, so
  // that a new build's worker replaces the old one at once (browsers also skip their HTTP cache for it).
  app.get('/sw.js', { config: PUBLIC_ROUTE }, async (_request, reply) => sendPwaFile(reply, 'sw.js', 'text/javascript; charset=utf-8', 'no-cache'));
  app.get('/manifest.webmanifest', { config: PUBLIC_ROUTE }, async (_request, reply) =>
    sendPwaFile(reply, 'manifest.webmanifest', 'application/manifest+json; charset=utf-8', 'no-cache'),
  );
  app.get('/icons/:file', { config: PUBLIC_ROUTE, schema: { params: iconParams } }, async (request, reply) =>
    sendPwaFile(reply, request.params.file, 'image/png', 'public, max-age=86400'),
  );
  // iOS asks for this at the root when a page names none (and some crawlers always do).
  app.get('/apple-touch-icon.png', { config: PUBLIC_ROUTE }, async (_request, reply) => sendPwaFile(reply, 'apple-touch-icon.png', 'image/png', 'public, max-age=86400'));
}
