import { describe, expect, it } from 'vitest';
import { REDACTED, redactSensitive, redactUrl } from '../../src/infra/logger.js';
import { buildTestApp } from '../helpers/app.js';

describe('log redaction', () => {
  it('masks any field named like a credential, at any depth', () => {
    const input = {
      user: 'octocat',
      accessToken: 'gho_secret1',
      nested: { refresh_token: 'ghr_secret2', clientSecret: 'cs', list: [{ password: 'p' }, { ok: 1 }] },
      headers: { authorization: 'Bearer x', cookie: 'sid=y', 'user-agent': 'curl' },
    };
    expect(redactSensitive(input)).toEqual({
      user: 'octocat',
      accessToken: REDACTED,
      nested: { refresh_token: REDACTED, clientSecret: REDACTED, list: [{ password: REDACTED }, { ok: 1 }] },
      headers: { authorization: REDACTED, cookie: REDACTED, 'user-agent': 'curl' },
    });
  });

  it('logs an HTTP client error without the request and response it kept (their bodies carry secrets), causes included', async () => {
    const { app, logText } = await buildTestApp();
    const httpError = (status: number, body: string) =>
      Object.assign(new Error(`HttpError ${status}`), { status, request: { method: 'POST', body }, response: { status, headers: { 'set-cookie': 'x' }, data: body } });
    const outer = Object.assign(httpError(502, 'client_secret=outer-secret-1&code=outer-code-2'), {
      cause: httpError(503, '{"refresh_token":"inner-refresh-3"}'),
    });
    app.log.error({ err: outer }, 'GitHub failed');
    app.log.warn({ failure: httpError(500, 'device_code=device-code-4') }, 'under another key');
    const text = logText();
    for (const secret of ['outer-secret-1', 'outer-code-2', 'inner-refresh-3', 'device-code-4']) expect(text).not.toContain(secret);
    expect(text).toContain('HttpError 502');
    expect(text).toContain('HttpError 503');
    expect(text).toContain('"status":500');
  });

  it('masks OAuth codes, states and tokens in URLs', () => {
    expect(redactUrl('/auth/github/callback?code=abc&state=def&other=1')).toBe(
      '/auth/github/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&other=1',
    );
    expect(redactUrl('/plain')).toBe('/plain');
  });

  it('keeps cookies, authorization headers and query secrets out of real request logs, which carry request ids', async () => {
    const { app, logText, logLines } = await buildTestApp();
    await app.inject({
      method: 'GET',
      url: '/nowhere?token=gho_querysecret&code=oauthcode',
      headers: { authorization: 'Bearer gho_headersecret', cookie: 'shellport_session=cookiesecret' },
    });
    app.log.info({ githubToken: 'gho_loggedsecret', details: { secretKey: 'k' } }, 'a feature logging carelessly');
    const text = logText();
    for (const secret of ['gho_querysecret', 'oauthcode', 'gho_headersecret', 'cookiesecret', 'gho_loggedsecret']) {
      expect(text).not.toContain(secret);
    }
    const requestLines = logLines().filter((line) => line.req || line.res);
    expect(requestLines.length).toBeGreaterThanOrEqual(2);
    for (const line of requestLines) expect(line.reqId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
