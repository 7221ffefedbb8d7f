// Fake model APIs on 127.0.0.1, for running the real agent CLIs offline (tests/agents/).
// - startFakeModelApi: the Anthropic Messages API for Claude Code. `POST /v1/messages`, streamed
//   (server-sent events) or not, and `POST /v1/messages/count_tokens`; Claude Code's `HEAD /`
//   reachability probe gets a 200.
// - startFakeResponsesApi: the OpenAI Responses API for Codex, `POST /v1/responses` streamed.
// Anything else is a 404 in that API's error shape and is recorded in `unexpectedRequests`, so a
// failing test names what the CLI asked for. A test scripts each reply: text, a tool call, or an error.
// Shapes: https://docs.anthropic.com/en/api/messages-streaming, https://docs.anthropic.com/en/api/errors,
// https://platform.openai.com/docs/api-reference/responses-streaming
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One content block of a Messages API message (only the fields the tests read are typed). */
export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: string | ContentBlock[];
  is_error?: boolean;
}

export interface MessageParam {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

/** The body of a `POST /v1/messages` request. */
export interface MessagesRequest {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: string | ContentBlock[];
  tools?: { name: string }[];
  messages: MessageParam[];
}

/** What the fake answers to one `POST /v1/messages`. */
export type FakeReply =
  | { text: string }
  | { toolUse: { name: string; input: Record<string, unknown> } }
  /**
   * An API error, e.g. `{ status: 529, type: 'overloaded_error', message: 'Overloaded' }`: the HTTP
   * status with the error body, or (`inStream`) an `error` event after a streamed message_start.
   * `fields`: more fields of the Responses API's error object (Codex's usage limit: `resets_at`, `plan_type`).
   */
  | { error: { status: number; type: string; message: string; inStream?: boolean; headers?: Record<string, string>; fields?: Record<string, unknown> } };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FakeModelApi {
  /** For ANTHROPIC_BASE_URL: `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request, in order of arrival. */
  readonly requests: RecordedRequest[];
  /** Every `POST /v1/messages` body, in order of arrival. */
  readonly messages: MessagesRequest[];
  /** Requests the fake does not implement (answered 404). */
  readonly unexpectedRequests: RecordedRequest[];
  close(): Promise<void>;
}

/** Decides the reply to each `POST /v1/messages`; `index` counts those requests from 0. */
export type ReplyScript = (request: MessagesRequest, index: number) => FakeReply;

/** A request id in the API's format (`req_…`), sent in `request-id` as the real API does. */
const requestId = () => `req_${randomBytes(12).toString('hex')}`;

function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId(), ...headers });
  response.end(JSON.stringify(body));
}

function sendError(response: http.ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { type: 'error', error: { type, message } }, headers);
}

/** The assistant message the reply stands for, as a non-streaming response returns it. */
function messageFor(reply: Exclude<FakeReply, { error: unknown }>, model: string) {
  const id = `msg_${randomBytes(12).toString('hex')}`;
  const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  if ('text' in reply) {
    return { id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: reply.text }], stop_reason: 'end_turn', stop_sequence: null, usage };
  }
  const block = { type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name: reply.toolUse.name, input: reply.toolUse.input };
  return { id, type: 'message', role: 'assistant', model, content: [block], stop_reason: 'tool_use', stop_sequence: null, usage };
}

/**
 * The same message as server-sent events: message_start, then for each block content_block_start,
 * its deltas (text_delta, or input_json_delta: an empty piece, then the tool input's JSON in two, as
 * the API splits it) and content_block_stop, then message_delta with the stop reason and message_stop.
 */
function eventsFor(message: ReturnType<typeof messageFor>): [string, unknown][] {
  const events: [string, unknown][] = [
    ['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } } }],
    ['ping', { type: 'ping' }],
  ];
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: (block as { text: string }).text } }]);
    } else {
      const tool = block as { id: string; name: string; input: unknown };
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: tool.id, name: tool.name, input: {} } }]);
      const json = JSON.stringify(tool.input);
      const half = Math.floor(json.length / 2);
      for (const partial_json of ['', json.slice(0, half), json.slice(half)]) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }]);
      }
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  return events;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** What a fake does with one request: answer it, or return false to let it be a 404 and recorded. */
type Route = (request: RecordedRequest, pathname: string, response: http.ServerResponse) => boolean;

interface FakeServer {
  url: string;
  requests: RecordedRequest[];
  unexpectedRequests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on an ephemeral loopback port that records every request and 404s what `route` declines. */
async function serve(route: Route, notFound: (response: http.ServerResponse, what: string) => void): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const unexpectedRequests: RecordedRequest[] = [];
  const server = http.createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const pathname = new URL(request.url ?? '/', 'http://fake').pathname;
      const entry = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body };
      requests.push(entry);
      if (route(entry, pathname, response)) return;
      unexpectedRequests.push(entry);
      notFound(response, `${entry.method} ${pathname}`);
    })().catch((error: unknown) => {
      // A bug in the fake: answer as the APIs do to an internal error, and keep the cause visible.
      unexpectedRequests.push({ method: 'ERROR', path: request.url ?? '/', headers: request.headers, body: String(error) });
      if (!response.headersSent) sendJson(response, 500, { type: 'error', error: { type: 'api_error', message: 'Internal server error' } });
      else response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    unexpectedRequests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function writeEvents(response: http.ServerResponse, events: [string, unknown][]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId() });
  for (const [event, data] of events) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  response.end();
}

/** Starts the fake Anthropic API on an ephemeral loopback port; `script` decides each `/v1/messages` reply. */
export async function startFakeModelApi(script: ReplyScript): Promise<FakeModelApi> {
  const messages: MessagesRequest[] = [];
  const server = await serve(
    (request, pathname, response) => {
      // Claude Code's reachability probe before its first request (any answer will do).
      if (request.method === 'HEAD' && pathname === '/') {
        response.writeHead(200).end();
        return true;
      }
      if (request.method === 'POST' && pathname === '/v1/messages/count_tokens') {
        sendJson(response, 200, { input_tokens: Math.ceil(request.body.length / 4) });
        return true;
      }
      if (request.method !== 'POST' || pathname !== '/v1/messages') return false;
      let parsed: MessagesRequest;
      try {
        parsed = JSON.parse(request.body) as MessagesRequest;
      } catch {
        sendError(response, 400, 'invalid_request_error', 'The request body is not valid JSON.');
        return true;
      }
      const index = messages.push(parsed) - 1;
      const reply = script(parsed, index);
      if ('error' in reply && reply.error.inStream && parsed.stream) {
        const [start] = eventsFor(messageFor({ text: '' }, parsed.model));
        writeEvents(response, [start!, ['error', { type: 'error', error: { type: reply.error.type, message: reply.error.message } }]]);
      } else if ('error' in reply) sendError(response, reply.error.status, reply.error.type, reply.error.message, reply.error.headers);
      else if (parsed.stream) writeEvents(response, eventsFor(messageFor(reply, parsed.model)));
      else sendJson(response, 200, messageFor(reply, parsed.model));
      return true;
    },
    (response, what) => sendError(response, 404, 'not_found_error', `Not found: ${what}`),
  );
  return { ...server, messages };
}

/** The text of a message's content (the string itself, or its text blocks joined). */
export function textOf(content: string | ContentBlock[] | undefined): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((block) => (block.type === 'text' ? (block.text ?? '') : textOf(block.content))).join('\n');
}

/** The tool_result blocks a request sends back (in its last user message). */
export function toolResultsIn(request: MessagesRequest): ContentBlock[] {
  const last = request.messages.at(-1);
  if (!last || last.role !== 'user' || typeof last.content === 'string') return [];
  return last.content.filter((block) => block.type === 'tool_result');
}

/** Whether a request is a turn of the agent's conversation (it offers tools) rather than a side query. */
export function offersTool(request: MessagesRequest, name: string): boolean {
  return request.tools?.some((tool) => tool.name === name) ?? false;
}

/**
 * The usual script: the agent's first turn asks for `toolUse`; once the tool's result comes back it
 * answers `finalText`. Side queries the CLI makes on its own (titles, command prefixes: requests
 * that offer no tools) get `sideText`.
 */
export function toolThenText(toolUse: { name: string; input: Record<string, unknown> }, finalText = 'done', sideText = 'ok'): ReplyScript {
  return (request) => {
    if (!offersTool(request, toolUse.name)) return { text: sideText };
    return toolResultsIn(request).length > 0 ? { text: finalText } : { toolUse };
  };
}

// ---------------------------------------------------------------------------------------------
// The Responses API: Codex reads the output items from `response.output_item.done` and ends the
// turn at `response.completed`.

/** One item of a Responses API request's `input` (only the fields the tests read are typed). */
export interface ResponsesInputItem {
  type?: string;
  role?: string;
  content?: string | { type: string; text?: string }[];
  name?: string;
  arguments?: string;
  call_id?: string;
  output?: string | { type: string; text?: string }[];
}

/** The body of a `POST /v1/responses` request. */
export interface ResponsesRequest {
  model: string;
  stream?: boolean;
  instructions?: string;
  tools?: { type: string; name?: string }[];
  input: ResponsesInputItem[];
}

/** What the fake answers to one `POST /v1/responses`: `toolUse.input` becomes the call's JSON arguments. */
export type ResponsesScript = (request: ResponsesRequest, index: number) => FakeReply;

export interface FakeResponsesApi {
  /** For a Codex `model_providers.<id>.base_url`: `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Every `POST /v1/responses` body, in order of arrival. */
  readonly responses: ResponsesRequest[];
  readonly unexpectedRequests: RecordedRequest[];
  close(): Promise<void>;
}

/** The output item the reply stands for. */
function outputItemFor(reply: Exclude<FakeReply, { error: unknown }>) {
  const suffix = randomBytes(12).toString('hex');
  if ('text' in reply) {
    return { type: 'message', id: `msg_${suffix}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: reply.text, annotations: [] }] };
  }
  return { type: 'function_call', id: `fc_${suffix}`, call_id: `call_${suffix}`, name: reply.toolUse.name, arguments: JSON.stringify(reply.toolUse.input), status: 'completed' };
}

/** The usage each response reports: `input` counts the `cached` tokens too, as the API's does. */
export interface ResponsesUsage {
  input: number;
  cached: number;
  output: number;
}

function responseEventsFor(reply: Exclude<FakeReply, { error: unknown }>, model: string, tokens: ResponsesUsage): [string, unknown][] {
  const item = outputItemFor(reply);
  const base = { id: `resp_${randomBytes(12).toString('hex')}`, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
  const usage = { input_tokens: tokens.input, input_tokens_details: { cached_tokens: tokens.cached }, output_tokens: tokens.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: tokens.input + tokens.output };
  const events: [string, unknown][] = [
    ['response.created', { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } }],
    ['response.output_item.added', { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress' } }],
  ];
  if (item.type === 'message') {
    events.push(['response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: (reply as { text: string }).text }]);
  } else {
    events.push(['response.function_call_arguments.delta', { type: 'response.function_call_arguments.delta', item_id: item.id, output_index: 0, delta: item.arguments }]);
  }
  events.push(['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }]);
  events.push(['response.completed', { type: 'response.completed', response: { ...base, status: 'completed', output: [item], usage } }]);
  return events.map(([name, data], sequence_number) => [name, { ...(data as object), sequence_number }]);
}

/** Starts the fake Responses API on an ephemeral loopback port; `script` decides each `/v1/responses` reply. */
export async function startFakeResponsesApi(script: ResponsesScript, usage: ResponsesUsage = { input: 10, cached: 0, output: 5 }): Promise<FakeResponsesApi> {
  const responses: ResponsesRequest[] = [];
  const openAiError = (response: http.ServerResponse, status: number, type: string, message: string, fields: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    sendJson(response, status, { error: { message, type, param: null, code: null, ...fields } }, headers);
  const server = await serve(
    (request, pathname, response) => {
      if (request.method !== 'POST' || pathname !== '/v1/responses') return false;
      let parsed: ResponsesRequest;
      try {
        parsed = JSON.parse(request.body) as ResponsesRequest;
      } catch {
        openAiError(response, 400, 'invalid_request_error', 'The request body is not valid JSON.');
        return true;
      }
      const index = responses.push(parsed) - 1;
      const reply = script(parsed, index);
      if ('error' in reply) openAiError(response, reply.error.status, reply.error.type, reply.error.message, reply.error.fields, reply.error.headers);
      else writeEvents(response, responseEventsFor(reply, parsed.model, usage));
      return true;
    },
    (response, what) => openAiError(response, 404, 'invalid_request_error', `Not found: ${what}`),
  );
  return { ...server, baseUrl: `${server.url}/v1`, responses };
}

/** The outputs of the function calls a Responses request sends back (`function_call_output` items). */
export function functionOutputsIn(request: ResponsesRequest): ResponsesInputItem[] {
  return request.input.filter((item) => item.type === 'function_call_output');
}
