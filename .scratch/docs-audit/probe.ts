import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';

const dir = new URL('./probe/', import.meta.url).pathname;
const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', SCHEDULER_ENABLED: 'false' });
const app = await buildApp({ config });
await app.ready();
const show = async (label: string, opts: any) => {
  const r = await app.inject(opts);
  console.log(label, r.statusCode, r.headers['content-type'], r.body.slice(0, 300));
};
await show('unauth GET /api/me', { method: 'GET', url: '/api/me' });
await show('bad json', { method: 'POST', url: '/auth/logout', headers: { 'content-type': 'application/json' }, payload: '{bad' });
await show('empty json', { method: 'POST', url: '/auth/logout', headers: { 'content-type': 'application/json' }, payload: '' });
await show('wrong ctype', { method: 'POST', url: '/auth/logout', headers: { 'content-type': 'text/xml' }, payload: '<a/>' });
await show('unknown host', { method: 'GET', url: '/healthz', headers: { host: 'evil.example' } });
await show('cross site', { method: 'POST', url: '/auth/logout', headers: { origin: 'https://evil.example' } });
await show('metrics', { method: 'GET', url: '/metrics' });
await show('unknown api', { method: 'GET', url: '/api/nope' });
await show('auth options', { method: 'GET', url: '/auth/options' });
await show('token wrong', { method: 'GET', url: '/auth/token?token=x' });
await show('setup', { method: 'GET', url: '/auth/setup?token=x' });
await app.close();
