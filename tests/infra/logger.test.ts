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

  it('strips the exchange from errors at every level: nested under any key and in AggregateErrors', async () => {
    const { app, logText, logLines } = await buildTestApp();
    const httpError = (message: string, body: string) => Object.assign(new Error(message), { request: { body }, response: { data: body } });
    const wrapper = Object.assign(new Error('wrapper'), {
      original: httpError('nested one', 'client_secret=nested-secret-1'),
      details: { attempts: [httpError('in a list', 'code=listed-code-2')] },
    });
    const all = new AggregateError([httpError('first of many', 'refresh_token=aggregate-3'), wrapper], 'everything failed');
    app.log.error({ err: all }, 'many failures');
    const text = logText();
    for (const secret of ['nested-secret-1', 'listed-code-2', 'aggregate-3']) expect(text).not.toContain(secret);
    for (const message of ['everything failed', 'first of many', 'nested one', 'in a list']) expect(text).toContain(message);
    const line = logLines().find((entry) => entry.msg === 'many failures') as { err: { type: string; aggregateErrors: unknown[] } };
    expect(line.err.type).toBe('AggregateError');
    expect(line.err.aggregateErrors).toHaveLength(2);
  });

  it("keeps an error's type and code (ENOENT is no credential)", async () => {
    const { app, logLines } = await buildTestApp();
    const missing = Object.assign(new Error('no such file'), { code: 'ENOENT', cause: Object.assign(new TypeError('deeper'), { code: 'ERR_X' }) });
    app.log.warn({ err: missing }, 'file trouble');
    app.log.warn({ problem: missing }, 'under another key');
    const lines = logLines().filter((entry) => entry.msg === 'file trouble' || entry.msg === 'under another key');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const error = (line.err ?? line.problem) as { type: string; code: string; cause: { type: string; code: string } };
      expect(error).toMatchObject({ type: 'Error', code: 'ENOENT', message: 'no such file', cause: { type: 'TypeError', code: 'ERR_X' } });
    }
  });

  it('keeps error codes readable and hides OAuth codes where requests carry them: query strings, bodies, URLs', async () => {
    const { app, logLines, logText } = await buildTestApp();
    // Every refusal logs its stable code (issue 16: they all read "[redacted]").
    await app.inject({ method: 'GET', url: '/api/workspaces/not-a-uuid' });
    const refusals = logLines().filter((entry) => entry.msg === 'request refused');
    expect(refusals.length).toBeGreaterThan(0);
    for (const refusal of refusals) expect(refusal.code).toMatch(/^[a-z_]+$/);
    app.log.warn({ code: 'access_denied' }, 'device flow refused by GitHub');
    expect(logLines().find((entry) => entry.msg === 'device flow refused by GitHub')?.code).toBe('access_denied');

    app.log.info(
      {
        query: { code: 'oauth-code-5', state: 'state-6', other: 1 },
        body: { device_code: 'device-code-7', grant_type: 'urn:ietf:params:oauth:grant-type:device_code' },
        request: { body: { code: 'nested-code-8' } },
        callbackUrl: '/auth/github/callback?code=url-code-9&state=url-state-10',
        deviceCode: 'device-code-11',
      },
      'careless',
    );
    for (const secret of ['oauth-code-5', 'state-6', 'device-code-7', 'nested-code-8', 'url-code-9', 'url-state-10', 'device-code-11']) {
      expect(logText()).not.toContain(secret);
    }
    const careless = logLines().find((entry) => entry.msg === 'careless') as { query: Record<string, unknown>; body: Record<string, unknown> };
    expect(careless.query).toEqual({ code: REDACTED, state: REDACTED, other: 1 });
    expect(careless.body.grant_type).toBe('urn:ietf:params:oauth:grant-type:device_code');
  });

  it('masks OAuth codes, states and tokens in URLs', () => {
    expect(redactUrl('/auth/github/callback?code=abc&state=def&other=1')).toBe(
      '/auth/github/callback?code=%5Bredacted%5D&state=%5Bredacted%5D&other=1',
    );
    expect(redactUrl('/plain')).toBe('/plain');
  });

  it('masks the token of a share link in its page, lookup and WebSocket paths (issue 23 §2)', () => {
    const token = 'H6Q5FPB2OA8b8-4AGQxMfhmhRXByq-gIabcdefghijk';
    expect(redactUrl(`/share/${token}`)).toBe(`/share/${REDACTED}`);
    expect(redactUrl(`/api/shares/${token}?x=1`)).toBe(`/api/shares/${REDACTED}?x=1`);
    expect(redactUrl(`/ws/share/${token}`)).toBe(`/ws/share/${REDACTED}`);
    expect(redactUrl('/api/shares')).toBe('/api/shares');
    expect(redactUrl(`/api/terminals/${token}`)).toBe(`/api/terminals/${token}`);
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
