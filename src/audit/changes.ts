import type { Kysely, Selectable } from 'kysely'
import { z } from 'zod'
import { cursorAt, newestFirstPage } from '../db/newest-first'
import { CONFIG_CHANGE_TYPES, type ConfigChangesTable, type ConfigChangeType, type DB } from '../db/schema'
import { DayOrTime, optionalField, rangeEnd, rangeStart } from '../http/params'

export type ConfigChange = Selectable<ConfigChangesTable>

/**
 * Records one change of configuration. Call it with the transaction that makes the change, so the
 * trail never shows a change that did not happen, nor misses one that did. Secrets never go in:
 * callers pass values with passwords and tokens already left out.
 */
export async function recordChange(
  db: Kysely<DB>,
  change: {
    type: ConfigChangeType
    subjectId?: string | null
    summary: string
    userId: string | null
    before: unknown
    after: unknown
    rolledBackFrom?: string
  },
): Promise<ConfigChange> {
  return db
    .insertInto('config_changes')
    .values({
      type: change.type,
      subject_id: change.subjectId ?? null,
      summary: change.summary,
      user_id: change.userId,
      old_value: change.before == null ? null : JSON.stringify(change.before),
      new_value: change.after == null ? null : JSON.stringify(change.after),
      rolled_back_from: change.rolledBackFrom ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** GET /api/admin/audit and the audit page: filters by type, user and date range, newest first. */
export const AuditQuery = z.object({
  type: optionalField(z.enum(CONFIG_CHANGE_TYPES, { error: `must be one of ${CONFIG_CHANGE_TYPES.join(', ')}` })),
  user_id: optionalField(z.uuid({ error: 'must be a user id' })),
  from: optionalField(DayOrTime),
  to: optionalField(DayOrTime),
  cursor: optionalField(z.string().max(500)),
  limit: optionalField(z.coerce.number({ error: 'must be a number from 1 to 200' }).int().min(1).max(200)),
})
export type AuditQuery = z.infer<typeof AuditQuery>

export type AuditEntry = ConfigChange & { user_email: string | null }

/** Changes with the email of whoever made them. */
const withAuthor = (db: Kysely<DB>) =>
  db.selectFrom('config_changes').leftJoin('users', 'users.id', 'config_changes.user_id').selectAll('config_changes').select('users.email as user_email')

export async function listChanges(db: Kysely<DB>, query: AuditQuery): Promise<{ items: AuditEntry[]; next_cursor: string | null }> {
  const limit = query.limit ?? 50
  let q = withAuthor(db).select(cursorAt('config_changes.created_at'))
  if (query.type) q = q.where('config_changes.type', '=', query.type)
  if (query.user_id) q = q.where('config_changes.user_id', '=', query.user_id)
  if (query.from) q = q.where('config_changes.created_at', '>=', rangeStart(query.from))
  if (query.to) q = q.where('config_changes.created_at', '<', rangeEnd(query.to))
  return newestFirstPage(q, { at: 'config_changes.created_at', id: 'config_changes.id' }, { cursor: query.cursor, limit }, (entry): AuditEntry => entry)
}

export async function findChange(db: Kysely<DB>, id: string): Promise<AuditEntry | undefined> {
  return withAuthor(db).where('config_changes.id', '=', id).executeTakeFirst()
}

/** Field by field, what a change did: the side-by-side view on the audit page. */
export function diff(before: unknown, after: unknown): { field: string; before: string; after: string }[] {
  const flat = (value: unknown, prefix = ''): Record<string, string> => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { [prefix || 'value']: typeof value === 'string' ? value : (JSON.stringify(value) ?? '—') }
    return Object.assign({}, ...Object.entries(value).map(([k, v]) => flat(v, prefix ? `${prefix}.${k}` : k)))
  }
  const a = flat(before)
  const b = flat(after)
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((field) => a[field] !== b[field])
    .map((field) => ({ field, before: a[field] ?? '—', after: b[field] ?? '—' }))
}
