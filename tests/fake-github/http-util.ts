import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;

export async function readTextBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('fake-github: request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Form or JSON body parameters merged over query parameters (GitHub's OAuth endpoints accept both). */
export function parseParams(req: IncomingMessage, body: string, query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = Object.fromEntries(query);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!body) return params;
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object') {
        for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = String(v);
        }
      }
    } catch {
      // GitHub ignores a body it cannot parse; the missing parameters produce the error.
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(body)) params[k] = v;
  return params;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
}

/** GitHub's OAuth endpoints answer JSON only when asked; the default is form-encoded. */
export function sendOAuth(req: IncomingMessage, res: ServerResponse, body: Record<string, string | number>): void {
  const accept = (req.headers.accept ?? '').toLowerCase();
  if (accept.includes('application/json')) {
    sendJson(res, 200, body);
    return;
  }
  const form = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  sendText(res, 200, form, 'application/x-www-form-urlencoded; charset=utf-8');
}
