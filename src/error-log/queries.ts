import { type Kysely, type Selectable, sql } from 'kysely'
import { z } from 'zod'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import type { DB, ErrorLogsTable } from '../db/schema'
import { ERROR_AREAS, ERROR_CODES, type ErrorCode, SEVERITIES } from '../error-codes'
import type { KeysetPage } from '../http/cursor'
import { DayOrTime, optionalField, rangeEnd, rangeStart } from '../http/params'

const CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]

/** GET /api/admin/errors and the error log page: filters by code, severity, area and date range, a search, newest first. */
export const ErrorQuery = z.object({
  code: optionalField(z.enum(CODES, { error: 'must be one of the error codes listed on the error log page' })),
  severity: optionalField(z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` })),
  area: optionalField(z.enum(ERROR_AREAS, { error: `must be one of ${ERROR_AREAS.join(', ')}` })),
  from: optionalField(DayOrTime),
  to: optionalField(DayOrTime),
  q: optionalField(z.string({ error: 'must be text' }).trim().max(200, 'must be at most 200 characters')),
  cursor: optionalField(z.string().max(500)),
  limit: optionalField(z.coerce.number({ error: 'must be a number from 1 to 200' }).int().min(1).max(200)),
})
export type ErrorQuery = z.infer<typeof ErrorQuery>

export type ErrorLogEntry = Omit<Selectable<ErrorLogsTable>, 'search'>
export type ErrorListItem = Omit<ErrorLogEntry, 'stack'>

/** A reference as people type it: any case, spaces around it. */
export const REFERENCE = /^E-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/

export async function listErrors(db: Kysely<DB>, query: ErrorQuery): Promise<KeysetPage<ErrorListItem>> {
  let q = db
    .selectFrom('error_logs')
    .select(['id', 'reference', 'code', 'severity', 'area', 'message', 'context', 'created_at', cursorAt('error_logs.created_at')])
  if (query.code) q = q.where('code', '=', query.code)
  if (query.severity) q = q.where('severity', '=', query.severity)
  if (query.area) q = q.where('area', '=', query.area)
  if (query.from) q = q.where('created_at', '>=', rangeStart(query.from))
  if (query.to) q = q.where('created_at', '<', rangeEnd(query.to))
  const search = query.q
  if (search) {
    // A pasted reference is found by its own index; words match the code and the message.
    const reference = search.toUpperCase()
    q = REFERENCE.test(reference) ? q.where('reference', '=', reference) : q.where(sql<boolean>`search @@ websearch_to_tsquery('simple', ${search})`)
  }
  return newestFirstPage(q, { at: 'error_logs.created_at', id: 'error_logs.id' }, { cursor: query.cursor, limit: query.limit ?? 50 }, (row) => row)
}

export async function findError(db: Kysely<DB>, reference: string): Promise<ErrorLogEntry | undefined> {
  return db
    .selectFrom('error_logs')
    .select(['id', 'reference', 'code', 'severity', 'area', 'message', 'stack', 'context', 'created_at'])
    .where('reference', '=', reference)
    .executeTakeFirst()
}

/** Entries are deleted this many at a time, so the cleanup never holds long locks or a huge transaction. */
const DELETE_BATCH = 5_000

/** Deletes the entries older than `days`, a batch at a time; returns how many went. */
export async function deleteOldErrors(db: Kysely<DB>, days: number): Promise<number> {
  let deleted = 0
  for (;;) {
    const { rows } = await sql<{ n: number }>`
      with gone as (
        delete from error_logs where id in (
          select id from error_logs where created_at < now() - make_interval(days => ${days}::int) order by created_at limit ${DELETE_BATCH}
        ) returning 1
      )
      select count(*)::int as n from gone`.execute(db)
    const n = rows[0]?.n ?? 0
    deleted += n
    if (n < DELETE_BATCH) return deleted
  }
}
