import type { Kysely, Selectable } from 'kysely'
import { addJob } from '../db/jobs'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import type { DB, ExportFormat, ExportsTable } from '../db/schema'
import { notifyExportReady } from '../notifications/notify'
import type { ExportOptions, ExportScope } from './schemas'

export type ExportRow = Selectable<ExportsTable>
export type ExportFile = ExportRow['files'][number]
export type ExportListItem = ExportRow & { created_by_email: string | null }

/** What the report of a finished (or failed) export holds. */
export type ExportReport = {
  total: number
  written: number
  invalid_count: number
  /** The first conversations that broke the format's rules, with the reasons (capped; invalid_count has them all). */
  invalid: { id: string; title: string; problems: string[] }[]
  warnings: string[]
  largest_example_tokens: number
}

export const EXPORT_TASK = 'export_conversations'

/**
 * The export row and its job, in one transaction: both exist or neither does. The job key makes a
 * second enqueue of the same export a no-op; a killed worker's attempt is retried.
 */
export async function insertExport(
  db: Kysely<DB>,
  input: { format: ExportFormat; scope: ExportScope; options: ExportOptions; createdBy: string; total: number },
): Promise<ExportRow> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('exports')
      .values({
        format: input.format,
        scope: JSON.stringify(input.scope),
        options: JSON.stringify(input.options),
        report: JSON.stringify({ total: input.total }),
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    await addJob(trx, EXPORT_TASK, { exportId: row.id }, { maxAttempts: 5, jobKey: `export:${row.id}` })
    return row
  })
}

export async function findExport(db: Kysely<DB>, id: string): Promise<ExportListItem | undefined> {
  return db
    .selectFrom('exports')
    .leftJoin('users', 'users.id', 'exports.created_by')
    .selectAll('exports')
    .select('users.email as created_by_email')
    .where('exports.id', '=', id)
    .executeTakeFirst()
}

/** The history's keyset: created_at (as Postgres prints it, microseconds kept) and id. */
/**
 * Newest first, keyset-paged on (created_at, id); `limit + 1` rows tell whether there is more. A
 * forged cursor is a 400 naming `field`, the query parameter it came in.
 */
export async function listExports(db: Kysely<DB>, { cursor, field = 'cursor', limit }: { cursor?: string | undefined; field?: string; limit: number }) {
  const query = db
    .selectFrom('exports')
    .leftJoin('users', 'users.id', 'exports.created_by')
    .selectAll('exports')
    .select('users.email as created_by_email')
    .select(cursorAt('exports.created_at'))
  return newestFirstPage(query, { at: 'exports.created_at', id: 'exports.id' }, { cursor, field, limit }, (item): ExportListItem => item)
}

/**
 * Marks the export running for this attempt. A finished, expired or deleted export is left alone
 * (undefined), so a repeated job does nothing; a 'running' one was interrupted and runs again.
 */
export async function claimExport(db: Kysely<DB>, id: string): Promise<ExportRow | undefined> {
  return db
    .updateTable('exports')
    .set({ status: 'running', started_at: new Date(), error: null, count: 0, bytes: 0 })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'running'])
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst()
}

/** Progress for the live page: conversations written so far, out of the total in scope. */
export async function recordProgress(db: Kysely<DB>, id: string, count: number, total: number): Promise<void> {
  await db
    .updateTable('exports')
    .set({ count, report: JSON.stringify({ total }) })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute()
}

export async function finishExport(
  db: Kysely<DB>,
  id: string,
  result: { count: number; bytes: number; sha256: string; files: ExportFile[]; report: ExportReport; durationMs: number; expiresAt: Date },
): Promise<boolean> {
  const updated = await db
    .updateTable('exports')
    .set({
      status: 'done',
      count: result.count,
      bytes: result.bytes,
      sha256: result.sha256,
      files: JSON.stringify(result.files),
      report: JSON.stringify(result.report),
      duration_ms: result.durationMs,
      finished_at: new Date(),
      expires_at: result.expiresAt,
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  if (updated.numUpdatedRows === 0n) return false
  await notifyExportReady(db, id)
  return true
}

export async function failExport(db: Kysely<DB>, id: string, error: string, report: ExportReport | { total: number }, durationMs: number): Promise<void> {
  await db
    .updateTable('exports')
    .set({ status: 'failed', error, report: JSON.stringify(report), duration_ms: durationMs, finished_at: new Date(), count: 0, bytes: 0 })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute()
}

/** Marks the export deleted (the row stays as the audit trail) and returns the files to remove. */
export async function markExportDeleted(db: Kysely<DB>, id: string): Promise<ExportFile[] | undefined> {
  const row = await db
    .updateTable('exports')
    .set({ deleted_at: new Date() })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returning('files')
    .executeTakeFirst()
  return row?.files
}

/** Finished exports past their retention, oldest first. */
export async function listExpiredExports(db: Kysely<DB>, now: Date, limit: number): Promise<Pick<ExportRow, 'id' | 'files'>[]> {
  return db
    .selectFrom('exports')
    .select(['id', 'files'])
    .where('status', '=', 'done')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute()
}

export async function markExpired(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('exports').set({ status: 'expired' }).where('id', '=', id).where('status', '=', 'done').execute()
}

/**
 * The export once it has settled, waiting up to `waitMs` for a young one to finish: small exports
 * take a few milliseconds, so the page can show the finished file instead of a progress bar.
 */
export async function findSettledExport(db: Kysely<DB>, id: string, waitMs: number): Promise<ExportListItem | undefined> {
  const deadline = Date.now() + waitMs
  for (;;) {
    const row = await findExport(db, id)
    const young = row && Date.now() - row.created_at.getTime() < 10_000
    if (!row || !young || !['queued', 'running'].includes(row.status) || Date.now() >= deadline) return row
    await new Promise((resolve) => setTimeout(resolve, 40))
  }
}
