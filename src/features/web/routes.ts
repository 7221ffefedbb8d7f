import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
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

// Hashed names change with their content, so browsers may keep them forever; index.html must be
// revalidated every time so that a new build is picked up at once.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Serves the bundled web app from public/: index.html for app paths, hashed assets, the icon. */
export async function webRoutes(app: FastifyInstance, { publicDir = PUBLIC_DIR }: WebRoutesOptions) {
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

  app.get('/assets/:file', { config: PUBLIC_ROUTE }, async (request, reply) => {
    const { file } = assetParams.parse(request.params);
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
}
