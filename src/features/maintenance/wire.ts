// The shapes of the maintenance routes (docs/api.md) that the web app reads, shared by the server
// and the web app: this module imports nothing, so the browser bundle can take it as it is.

/** One verified backup file. */
export interface BackupInfo {
  name: string;
  sizeBytes: number;
  createdAt: string;
  verified: boolean;
}

/** GET /api/maintenance/backups. */
export interface BackupList {
  directory: string;
  retentionCount: number;
  /** Newest first. */
  backups: BackupInfo[];
}
