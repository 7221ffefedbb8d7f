import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * The sign-in links of the running server, in DATA_DIR with mode 0600, so that `npm run sign-in-link`
 * can print them again after the console has scrolled, and so that no log line needs the token.
 * The server writes the file once it listens, again whenever a link has been used (each works once),
 * and removes it when it closes.
 */
export const STARTUP_LINK_FILE = 'sign-in-link.json';

export const startupLinksSchema = z.object({
  /** Where browsers open Shellport. */
  url: z.string(),
  /** The start-up sign-in URL (`/auth/token?token=…`), when token sign-in is on. */
  signInUrl: z.string().nullable(),
  /**
   * The same URL when token sign-in is off but the device flow is on: it lets the browser that opens it
   * start a device-code sign-in without a signed-in browser's approval.
   */
  deviceSignInUrl: z.string().nullable().default(null),
  /** The "claim this server" URL (`/auth/setup?token=…`), while nobody owns the server. */
  setupUrl: z.string().nullable(),
});
export type StartupLinks = z.infer<typeof startupLinksSchema>;

const startupLinkRecordSchema = startupLinksSchema.extend({
  /** The server process that wrote the file: a file left by one that died is stale. */
  pid: z.number().int().positive(),
  startedAt: z.string(),
});
export type StartupLinkRecord = z.infer<typeof startupLinkRecordSchema>;

export function startupLinkFile(dataDir: string): string {
  return path.join(dataDir, STARTUP_LINK_FILE);
}

/** The links as sentences, one a line (the command's output). */
export function describeStartupLinks(links: StartupLinks): string[] {
  const lines: string[] = [];
  if (links.signInUrl) lines.push(`Sign in to Shellport with this URL (it works once; run this command again for a new one): ${links.signInUrl}`);
  if (links.deviceSignInUrl) {
    lines.push(
      `To sign in with a device code from a browser that no signed-in browser can approve, open this URL in it first (it works once): ${links.deviceSignInUrl}`,
    );
  }
  if (links.setupUrl) lines.push(`No owner yet. Claim this server by signing in with GitHub from this URL (it works once): ${links.setupUrl}`);
  return lines;
}

/** Replaces the file at once (write aside, then rename), readable by the server's user only. */
export function writeStartupLinkFile(file: string, record: z.input<typeof startupLinkRecordSchema>): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** Removes the file if this process wrote it (another server on the same DATA_DIR may have replaced it). */
export function removeStartupLinkFile(file: string, pid = process.pid): void {
  try {
    const record = startupLinkRecordSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    if (record.pid === pid) rmSync(file, { force: true });
  } catch {
    // Missing or unreadable: nothing of ours to remove.
  }
}

export type SignInLinkAnswer = { ok: true; lines: string[] } | { ok: false; message: string };

const isProcessAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** What `npm run sign-in-link` says: the running server's links, or why there are none. */
export function readSignInLinks(dataDir: string, isAlive: (pid: number) => boolean = isProcessAlive): SignInLinkAnswer {
  const file = startupLinkFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return { ok: false, message: `Shellport is not running on DATA_DIR ${dataDir} (it writes ${STARTUP_LINK_FILE} there while it runs). Start it with npm start.` };
    }
    if (code === 'EACCES') return { ok: false, message: `${file} is readable only by the user that runs Shellport: run this command as that user.` };
    throw error;
  }
  const parsed = startupLinkRecordSchema.safeParse(safeJson(text));
  if (!parsed.success) return { ok: false, message: `${file} is not a sign-in link file Shellport wrote; restart Shellport to write it again.` };
  const record = parsed.data;
  if (!isAlive(record.pid)) {
    return { ok: false, message: `${file} was left by a Shellport server that is no longer running (process ${record.pid}). Start it with npm start.` };
  }
  const lines = describeStartupLinks(record);
  if (lines.length === 0) {
    lines.push(`This server prints no sign-in link: the start-up link is off (TOKEN_SIGN_IN, see docs/configuration.md) and nobody needs to claim it. Sign in at ${record.url}/sign-in.`);
  }
  return { ok: true, lines };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
