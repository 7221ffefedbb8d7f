import type { Settings } from '../../generated/prisma/client.js';
import type { Database } from '../../infra/database/client.js';

/*
 * The one Settings row. The settings feature owns it: its service reads and parses the preferences
 * and hands other features what they need (the terminals get the default shell as a function). The
 * owner's identity in it is written by the auth feature, the encrypted GitHub tokens by the GitHub feature.
 */

export const SETTINGS_ID = 'singleton';

/** The one Settings row, created on first use. */
export async function loadSettings(db: Database): Promise<Settings> {
  const existing = await db.settings.findUnique({ where: { id: SETTINGS_ID } });
  if (existing) return existing;
  // Two first requests may race to create it; the loser reads the winner's row.
  return db.settings.create({ data: { id: SETTINGS_ID } }).catch(() => db.settings.findUniqueOrThrow({ where: { id: SETTINGS_ID } }));
}
