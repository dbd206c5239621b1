// IntegrationRun rows as the shared RunRecord shape (status, admin API, UI).
import type { Db } from '../db/db.js';
import type { RunRecord } from '../contracts/events.js';

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function toRunRecord(r: Record<string, unknown>): RunRecord {
  return {
    id: Number(r.Id),
    event: String(r.Event),
    mode: String(r.Mode ?? ''),
    startedAt: iso(r.StartedAt) ?? '',
    finishedAt: iso(r.FinishedAt),
    status: String(r.Status ?? ''),
    read: Number(r.Read ?? 0),
    written: Number(r.Written ?? 0),
    skipped: Number(r.Skipped ?? 0),
    failed: Number(r.Failed ?? 0),
    error: str(r.Error),
    details: parseJson(r.Details),
  };
}

/** The latest run of each event: what the status shows before this process has run anything. */
export async function lastRunPerEvent(db: Db): Promise<RunRecord[]> {
  const rows = await db.all<Record<string, unknown>>(
    `SELECT r.* FROM [IntegrationRun] r JOIN (SELECT [Event], MAX([Id]) AS [Id] FROM [IntegrationRun] GROUP BY [Event]) m ON m.[Id] = r.[Id]`,
  );
  return rows.map(toRunRecord);
}
