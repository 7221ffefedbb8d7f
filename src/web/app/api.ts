// The HTTP API client: JSON in and out, and every failure turned into words the owner can act on.
import { describeFieldProblems, type FieldProblem } from './validation-text.js';

const isFieldProblem = (value: unknown): value is FieldProblem =>
  typeof value === 'object' && value !== null && typeof (value as FieldProblem).field === 'string' && typeof (value as FieldProblem).message === 'string';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => undefined;

/** Called when a request finds the sign-in session gone (401): the app goes to the sign-in screen. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

function describeStatus(status: number): string {
  if (status === 401) return 'Your sign-in has ended. Sign in again to continue.';
  if (status === 403) return 'Shellport refused this request. Reload the page and try again.';
  if (status === 404) return 'Shellport could not find that; it may have been removed. Reload the page.';
  if (status === 429) return 'Too many requests. Wait a moment, then try again.';
  if (status >= 500) return `Shellport had a problem (HTTP ${status}). Try again; if it keeps happening, check the server log.`;
  return `The request failed (HTTP ${status}).`;
}

/** Builds the sentence shown for an error body `{ error: { code, message, details } }`. */
export function errorFromBody(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (!error || typeof error.message !== 'string') return new ApiError(status, 'http_error', describeStatus(status));
  let message = error.message;
  const details = error.details;
  if (error.code === 'validation_failed' && Array.isArray(details) && details.length > 0 && details.every(isFieldProblem)) {
    message = describeFieldProblems(details);
  } else if (status >= 500 && details && typeof details === 'object' && 'requestId' in details) {
    message = `${message} (request id ${String((details as { requestId: unknown }).requestId)})`;
  }
  return new ApiError(status, typeof error.code === 'string' ? error.code : 'http_error', message, details);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Do not redirect to the sign-in screen on 401 (the caller handles it). */
  allowUnauthorized?: boolean;
}

/** Calls the API; resolves the JSON body (undefined for 204) or throws an ApiError with a readable message. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Shellport could not be reached. Check your connection, then try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = errorFromBody(response.status, body);
    if (response.status === 401 && !options.allowUnauthorized) onUnauthorized();
    throw error;
  }
  return body as T;
}

/** The message to show for anything thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
