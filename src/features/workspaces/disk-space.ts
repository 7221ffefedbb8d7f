import { mkdir, statfs } from 'node:fs/promises';
import { AppError } from '../../http/errors.js';

/** Free space under WORKSPACES_DIR, checked before each clone against MIN_FREE_DISK_MB. */
export function createDiskSpace({ root, minFreeBytes }: { root: string; minFreeBytes: number }) {
  async function freeBytes(): Promise<number> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const info = await statfs(root);
    return Number(info.bavail) * Number(info.bsize);
  }

  async function ensureDiskSpace(): Promise<void> {
    const free = await freeBytes();
    if (free < minFreeBytes) {
      const mb = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;
      throw new AppError(
        507,
        'insufficient_disk_space',
        `Not enough free disk space to clone: ${mb(free)} free in ${root}, at least ${mb(minFreeBytes)} required (MIN_FREE_DISK_MB). Free some space or delete unused workspaces.`,
        { freeBytes: free, requiredBytes: minFreeBytes },
      );
    }
  }

  return { freeBytes, ensureDiskSpace };
}

export type DiskSpace = ReturnType<typeof createDiskSpace>;
