/** What a folder sync did: files transferred, files skipped because the other side already had them. */
export interface SyncStats {
  transferred: number;
  skipped: number;
  bytes: number;
}

export const emptyStats = (): SyncStats => ({ transferred: 0, skipped: 0, bytes: 0 });

export const DEFAULT_SYNC_CONCURRENCY = 8;

/** Why a sync stopped, with the file, so a re-run can be judged (it resumes: finished files are skipped). */
export class SyncError extends Error {
  override readonly name = 'SyncError';
}
