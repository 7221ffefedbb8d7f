// Shared by the terminals screen's e2e files (terminals-connection, terminals-controls and
// terminals-program-output.test.ts): each starts its own app with these options.
import type { Page } from 'playwright-core';
import type { E2E, E2EOptions } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

// A small flow-control window and a stall timeout longer than any wait in these files: if the page did not
// acknowledge what xterm has written, a burst of output would stay paused and the test would fail.
// Small windows and buffers: a burst outruns the flow-control window and a long outage outruns
// what the server keeps (reset).
export const TERMINALS_E2E: E2EOptions = {
  env: {
    TERMINAL_FLOW_HIGH_WATERMARK_KB: '64',
    TERMINAL_STALL_TIMEOUT_MS: '120000',
    TERMINAL_RING_BUFFER_KB: '64',
    TERMINAL_RETAINED_OUTPUT_KB: '64',
  },
};

export const countLines = (text: string, line: string) => text.split('\n').filter((row) => row === line).length;

/** The page's terminal WebSockets. */
export const TERMINALS_WS = /\/ws\/terminals$/;

/** The terminals running on the server, as the page's own session sees them. */
export async function runningSessionIds(page: Page): Promise<string[]> {
  const { sessions } = (await page.evaluate(async () => (await fetch('/api/terminals')).json())) as { sessions: { id: string; status: string }[] };
  return sessions.filter((session) => session.status === 'active').map((session) => session.id);
}

/** Signs the page in and opens the terminals screen. */
export async function openTerminals(e2e: E2E, page: Page): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  return terminals;
}
