import type { Agent } from 'node:https';
import type { PushMessage } from '../../shared/attention.js';
import { cleanText, type DeliveryOptions } from './policy.js';
import type { VapidKeyPair } from './keys.js';

/** Where and how to encrypt for one device (a PushSubscription). */
export interface PushTarget {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** What the push service made of one message. `gone`: 404 or 410, the subscription no longer exists. */
export type DeliveryOutcome =
  | { status: 'delivered'; statusCode: number }
  | { status: 'gone'; statusCode: number; reason: string }
  | { status: 'failed'; statusCode: number | null; reason: string };

export type PushSender = (target: PushTarget, message: PushMessage, options: DeliveryOptions) => Promise<DeliveryOutcome>;

export interface PushSenderOptions {
  keys: VapidKeyPair;
  /** The VAPID `sub`: mailto: or https: (config.push.subject). */
  subject: string;
  /** Each request's deadline: no answer (or no byte) for this long ends it. */
  timeoutMs: number;
  /** The HTTPS agent for push services (tests trust the fake push service's certificate with one). */
  agent?: Agent;
}

/** The push service's words, without the endpoint (a capability) should it quote it. */
function answerText(statusCode: number, body: unknown, endpoint: string): string {
  const text = typeof body === 'string' ? cleanText(body.split(endpoint).join('<endpoint>'), 200) : '';
  return `answered ${statusCode}${text ? `: ${text}` : ''}`;
}

/**
 * Sends one message with the web-push library: RFC 8291 aes128gcm encryption, a VAPID (RFC 8292)
 * JWT for the endpoint's origin, TTL, Urgency and Topic (RFC 8030). Never throws, never logs: the
 * outcome says what happened in words that name no endpoint.
 */
export function createPushSender({ keys, subject, timeoutMs, agent }: PushSenderOptions): PushSender {
  return async (target, message, options) => {
    // Loaded at the first push, not at start-up (the server starts sooner: issue 19).
    const { default: webpush } = await import('web-push');
    try {
      const result = await webpush.sendNotification(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(message),
        {
          vapidDetails: { subject, publicKey: keys.publicKey, privateKey: keys.privateKey },
          TTL: options.ttlSeconds,
          urgency: options.urgency,
          ...(options.topic ? { topic: options.topic } : {}),
          contentEncoding: 'aes128gcm',
          timeout: timeoutMs,
          ...(agent ? { agent } : {}),
        },
      );
      return { status: 'delivered', statusCode: result.statusCode };
    } catch (error) {
      if (error instanceof webpush.WebPushError) {
        const reason = answerText(error.statusCode, error.body, target.endpoint);
        return error.statusCode === 404 || error.statusCode === 410
          ? { status: 'gone', statusCode: error.statusCode, reason }
          : { status: 'failed', statusCode: error.statusCode, reason };
      }
      const { message: text, code } = error as NodeJS.ErrnoException;
      if (text === 'Socket timeout') return { status: 'failed', statusCode: null, reason: `did not answer within ${timeoutMs / 1000} s` };
      return { status: 'failed', statusCode: null, reason: `could not be reached (${code ?? cleanText(String(text), 120)})` };
    }
  };
}
