// What the service worker and the app's pages say to each other (postMessage).

/** Worker → page: show this app path (a notification was clicked). The page answers on the port it got, once it navigated. */
export interface OpenPathMessage {
  type: 'shellport:open';
  url: string;
}

export const OPEN_PATH = 'shellport:open';

export function isOpenPathMessage(value: unknown): value is OpenPathMessage {
  const record = value as Partial<OpenPathMessage> | null;
  return typeof record === 'object' && record !== null && record.type === OPEN_PATH && typeof record.url === 'string';
}

/** Page → worker: this page loaded while the worker was being installed (so it is not controlled): take control of it. */
export const CLAIM = 'shellport:claim';

export function isClaimMessage(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === CLAIM;
}
