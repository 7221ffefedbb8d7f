// The words of the Ports list (issue 23 §1): what each listening port says, and the empty state.
// DOM-free: unit-tested in tests/web/preview-ports-text.test.ts.
import type { ListeningPort, PreviewRefusal } from '../../shared/preview.js';

const REFUSAL_TEXT: Record<PreviewRefusal, string> = {
  preview_disabled: 'Previews are off on this server (PREVIEW_ENABLED).',
  invalid_port: 'Not a port that can be previewed.',
  own_port: "This is Shellport's own port.",
  port_not_allowed: 'Outside the ports this server previews (PREVIEW_PORTS).',
};

/** What a port is: `node (pid 4242) on 127.0.0.1`, the process unknown when /proc could not tell. */
export function describeListener(entry: ListeningPort): string {
  const process = entry.process ?? 'an unknown process';
  const pid = entry.pid === null ? '' : ` (pid ${entry.pid})`;
  const addresses = entry.addresses.length > 0 ? ` on ${entry.addresses.join(', ')}` : '';
  return `${process}${pid}${addresses}`;
}

/** Why a port cannot be opened, or null when it can. */
export function refusalText(entry: ListeningPort): string | null {
  if (entry.previewUrl !== null) return null;
  return entry.refused ? REFUSAL_TEXT[entry.refused] : 'This port cannot be previewed.';
}

/** The empty list's text: what to do to see a port here. */
export function emptyPortsText(inWorkspace: boolean): string {
  const where = inWorkspace ? "this workspace's terminals" : 'these terminals';
  return `Nothing in ${where} listens on a port. Start a dev server in a terminal (npm run dev, python3 -m http.server 8000…) and it shows here within seconds, with Open.`;
}

/** The ports, lowest first, each once (a server on both 127.0.0.1 and ::1 is one entry already). */
export function sortPorts(ports: readonly ListeningPort[]): ListeningPort[] {
  return [...ports].sort((a, b) => a.port - b.port);
}
