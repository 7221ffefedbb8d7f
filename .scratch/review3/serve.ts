// Starts the e2e fixture (app + fake GitHub + chromium) and runs scenario modules on demand:
// POST /run?file=abs-path  -> imports the module fresh and calls default(e2e, state)
import http from 'node:http';
import { startE2E } from '../../tests/e2e/fixture.js';
const e2e = await startE2E();
const state: Record<string, unknown> = {};
let n = 0;
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url!, 'http://x');
  const file = url.searchParams.get('file')!;
  try {
    const mod = await import(`${file}?v=${++n}`);
    const out = await mod.default(e2e, state);
    res.end(JSON.stringify(out ?? 'ok', null, 1));
  } catch (e) {
    res.statusCode = 500;
    res.end(String((e as Error).stack ?? e));
  }
});
server.listen(47111, '127.0.0.1', () => console.log('control ready', e2e.baseUrl));
