import type { PreviewConfig } from '../../config/preview.js';
import type { PreviewRefusal } from '../../shared/preview.js';

/** Why each refusal is refused, in words for the 400/403 answer. */
export const REFUSAL_MESSAGES: Record<PreviewRefusal, (port: string) => string> = {
  preview_disabled: () => 'Previews are turned off on this server (PREVIEW_ENABLED=false).',
  invalid_port: (port) => `"${port}" is not a port: previews are of a port from 1 to 65535 on this machine, /preview/<port>/.`,
  own_port: (port) => `Port ${port} is Shellport itself, which is never previewed.`,
  port_not_allowed: (port) => `Port ${port} is not among the ports this server previews (PREVIEW_PORTS).`,
};

export const REFUSAL_STATUS: Record<PreviewRefusal, 400 | 403> = {
  preview_disabled: 403,
  invalid_port: 400,
  own_port: 403,
  port_not_allowed: 403,
};

/** A port as written in a path: digits only, no sign, no leading zero, 1–65535; null otherwise. */
export function parsePort(text: string): number | null {
  if (!/^[1-9]\d{0,4}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}

/**
 * Whether a port may be previewed: previews on, not one of Shellport's own ports (where it listens,
 * where browsers reach it), and inside PREVIEW_PORTS when that is set. Null when it may.
 */
export function previewRefusal(port: number, config: PreviewConfig, ownPorts: ReadonlySet<number>): PreviewRefusal | null {
  if (!config.enabled) return 'preview_disabled';
  if (ownPorts.has(port)) return 'own_port';
  if (config.allowedPorts && !config.allowedPorts.some((range) => port >= range.from && port <= range.to)) return 'port_not_allowed';
  return null;
}
