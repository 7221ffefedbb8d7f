import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { emptyToUndefined } from './env.js';

/** The Unix account the shells run as (TERMINAL_USER), as /etc/passwd names it. */
export interface TerminalUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The account named `spec` (a login name or a numeric uid) in passwd(5) text, or null. */
export function findUser(spec: string, passwd: string): TerminalUser | null {
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid, , home] = line.split(':');
    if (!name || uid === undefined || gid === undefined || home === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    if (name === spec || uid === spec) return { name, uid: Number(uid), gid: Number(gid), home };
  }
  return null;
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}

/**
 * TERMINAL_USER: unset, or an account in /etc/passwd (by name or uid; accounts known only to LDAP
 * and the like are not looked up). Resolved once, at start-up.
 */
export function terminalUser(passwd: () => string = readPasswd) {
  return z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^([a-z_][a-z0-9_.-]*|\d+)$/i, { error: 'a user name or numeric uid from /etc/passwd, such as shellport' })
      .optional()
      .transform((spec, context): TerminalUser | null => {
        if (spec === undefined) return null;
        const user = findUser(spec, passwd());
        if (user) return user;
        context.addIssue({ code: 'custom', message: `a user in /etc/passwd; there is no user ${spec} (create it, e.g. useradd --create-home ${/^\d+$/.test(spec) ? 'shellport' : spec})` });
        return z.NEVER;
      }),
  );
}
