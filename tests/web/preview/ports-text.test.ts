// The words of the Ports list (src/web/preview/ports-text.ts).
import { describe, expect, it } from 'vitest';
import type { ListeningPort } from '../../../src/shared/preview.js';
import { describeListener, emptyPortsText, refusalText, sortPorts } from '../../../src/web/preview/ports-text.js';

const entry = (overrides: Partial<ListeningPort> = {}): ListeningPort => ({
  port: 5173,
  addresses: ['127.0.0.1'],
  pid: 4242,
  process: 'node',
  terminalId: 't1',
  workspaceId: 'w1',
  previewUrl: '/preview/5173/',
  refused: null,
  ...overrides,
});

describe('the Ports list', () => {
  it('names the process, its pid and addresses, or says it is unknown', () => {
    expect(describeListener(entry())).toBe('node (pid 4242) on 127.0.0.1');
    expect(describeListener(entry({ process: null, pid: null, addresses: ['0.0.0.0', '::'] }))).toBe('an unknown process on 0.0.0.0, ::');
  });

  it('says why a port cannot be opened', () => {
    expect(refusalText(entry())).toBeNull();
    expect(refusalText(entry({ previewUrl: null, refused: 'port_not_allowed' }))).toMatch(/PREVIEW_PORTS/);
    expect(refusalText(entry({ previewUrl: null, refused: 'own_port' }))).toMatch(/Shellport's own port/);
  });

  it('tells what to do when nothing listens, and sorts by port', () => {
    expect(emptyPortsText(true)).toMatch(/^Nothing in this workspace's terminals listens on a port\. Start a dev server in a terminal/);
    expect(sortPorts([entry({ port: 8080 }), entry({ port: 3000 })]).map((port) => port.port)).toEqual([3000, 8080]);
  });
});
