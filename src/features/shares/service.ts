import { createHash, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { TerminalShare } from '../../generated/prisma/client.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import type { TerminalInfo } from '../../shared/terminals.js';
import {
  CLOSE_SHARE_EXPIRED,
  CLOSE_SHARE_REVOKED,
  SHARE_EXPIRIES,
  SHARE_PAGE_PREFIX,
  type CreatedShare,
  type ShareExpiry,
  type SharedTerminal,
  type ShareInfo,
} from '../../shared/shares.js';

/** 32 random bytes, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Viewers per terminal at once, all links together. */
export const MAX_VIEWERS_PER_TERMINAL = 20;
const SWEEP_INTERVAL_MS = 1000;

export const hashShareToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ShareServiceDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  /** The terminal as the manager sees it (throws the 404 for an unknown one). */
  terminal: (id: string) => Promise<TerminalInfo>;
  /** The owner's GitHub login, or null. */
  ownerLogin: () => Promise<string | null>;
  /** How often open viewers are checked for expiry (tests shorten it). */
  sweepIntervalMs?: number;
}

/** One open viewer connection: ended with a close code when its share stops. */
export interface Viewer {
  shareId: string;
  terminalId: string;
  expiresAt: number;
  end(code: number, reason: string): void;
}

/** A token that resolved: the share and its terminal, running and not expired. */
export interface ResolvedShare {
  share: TerminalShare;
  terminal: TerminalInfo;
}

const terminalTitle = (terminal: Pick<TerminalInfo, 'name' | 'shell'>) => terminal.name ?? (terminal.shell.split('/').at(-1) || 'Terminal');

/**
 * Read-only share links (issue 23 §2, docs/sharing.md): tokens kept as SHA-256 only, bound to one
 * terminal; the viewers open now, so that revoking, expiry and the terminal's end close them at once.
 */
export function createShareService({ db, clock, log, terminal, ownerLogin, sweepIntervalMs = SWEEP_INTERVAL_MS }: ShareServiceDeps) {
  const viewers = new Set<Viewer>();
  const now = () => clock.now().getTime();

  const sweep = setInterval(() => {
    const at = now();
    for (const viewer of viewers) if (viewer.expiresAt <= at) endViewer(viewer, CLOSE_SHARE_EXPIRED, 'share expired');
  }, sweepIntervalMs);
  sweep.unref();

  function endViewer(viewer: Viewer, code: number, reason: string) {
    viewers.delete(viewer);
    try {
      viewer.end(code, reason);
    } catch (error) {
      log.warn({ err: error }, 'ending a share viewer failed');
    }
  }

  const viewersOf = (shareId: string) => [...viewers].filter((viewer) => viewer.shareId === shareId).length;

  function toInfo(share: TerminalShare, info: TerminalInfo): ShareInfo {
    return {
      id: share.id,
      terminalId: share.terminalId,
      terminalTitle: terminalTitle(info),
      label: share.label,
      expiresAt: share.expiresAt.toISOString(),
      createdAt: share.createdAt.toISOString(),
      viewers: viewersOf(share.id),
    };
  }

  return {
    async create(terminalId: string, { expiresIn, label }: { expiresIn: ShareExpiry; label?: string | undefined }): Promise<CreatedShare> {
      const info = await terminal(terminalId);
      if (info.status !== 'active') throw conflict('session_ended', `Terminal ${terminalId} has ended: only a running terminal can be shared.`);
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const share = await db.terminalShare.create({
        data: {
          terminalId,
          tokenHash: hashShareToken(token),
          label: label ? label : null,
          expiresAt: new Date(now() + SHARE_EXPIRIES[expiresIn]),
          createdAt: clock.now(),
        },
      });
      log.info({ shareId: share.id, terminalId, expiresIn }, 'terminal shared read-only');
      return { share: toInfo(share, info), path: `${SHARE_PAGE_PREFIX}${token}` };
    },

    /** The shares that still work: not expired, of running terminals (the others are deleted here). */
    async list(): Promise<ShareInfo[]> {
      const shares = await db.terminalShare.findMany({ orderBy: { createdAt: 'desc' } });
      const result: ShareInfo[] = [];
      const dead: string[] = [];
      for (const share of shares) {
        const info = await terminal(share.terminalId).catch(() => null);
        if (!info || info.status !== 'active' || share.expiresAt.getTime() <= now()) dead.push(share.id);
        else result.push(toInfo(share, info));
      }
      if (dead.length > 0) await db.terminalShare.deleteMany({ where: { id: { in: dead } } });
      return result;
    },

    /** Deletes the share and ends its open viewers at once. */
    async revoke(id: string): Promise<void> {
      const { count } = await db.terminalShare.deleteMany({ where: { id } });
      if (count === 0) throw notFound(`No share with id ${id}: it was revoked or expired already.`);
      for (const viewer of [...viewers]) if (viewer.shareId === id) endViewer(viewer, CLOSE_SHARE_REVOKED, 'share revoked');
      log.info({ shareId: id }, 'terminal share revoked');
    },

    /** The share a token names, while it works; null for a wrong, expired or revoked token or an ended terminal. */
    async resolve(token: string): Promise<ResolvedShare | null> {
      if (!TOKEN_PATTERN.test(token)) return null;
      const share = await db.terminalShare.findUnique({ where: { tokenHash: hashShareToken(token) } });
      if (!share || share.expiresAt.getTime() <= now()) return null;
      const info = await terminal(share.terminalId).catch(() => null);
      if (!info || info.status !== 'active') return null;
      return { share, terminal: info };
    },

    /** What the viewer's page shows (GET /api/shares/<token>). */
    async describe({ share, terminal: info }: ResolvedShare): Promise<SharedTerminal> {
      return {
        terminalId: info.id,
        title: terminalTitle(info),
        sharedBy: await ownerLogin(),
        expiresAt: share.expiresAt.toISOString(),
        cols: info.cols,
        rows: info.rows,
      };
    },

    /** Registers an open viewer (refused when the terminal has as many as it may); returns how to forget it. */
    addViewer(viewer: Viewer): () => void {
      if ([...viewers].filter((other) => other.terminalId === viewer.terminalId).length >= MAX_VIEWERS_PER_TERMINAL) {
        throw new AppError(429, 'too_many_viewers', `This terminal has ${MAX_VIEWERS_PER_TERMINAL} viewers already; try again later.`);
      }
      viewers.add(viewer);
      return () => void viewers.delete(viewer);
    },

    close(): void {
      clearInterval(sweep);
      for (const viewer of [...viewers]) endViewer(viewer, 1001, 'server shutting down');
    },
  };
}

export type ShareService = ReturnType<typeof createShareService>;
