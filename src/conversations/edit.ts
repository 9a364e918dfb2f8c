import { sql, type Kysely, type Transaction } from 'kysely'
import { z } from 'zod'
import type { DB } from '../db/schema'
import { Conflict, NotFound } from '../errors'

/**
 * Changes made by hand on the detail page: editing a turn (a new version, guarded by the version
 * the editor saw), moving to the trash and restoring from it within 30 days.
 */

export const TRASH_DAYS = 30

const one = (v: unknown) => (Array.isArray(v) && v.length === 1 ? v[0] : v)
const version = z.preprocess(one, z.coerce.number({ error: 'must be the version you edited' }).int('must be a whole number').min(1, 'must be the version you edited'))

export const TurnEdit = z.object({
  content: z.preprocess(one, z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(20_000, 'must be at most 20,000 characters')),
  version,
})
export type TurnEdit = z.infer<typeof TurnEdit>

export const VersionGuard = z.object({ version: version.optional() })

/** A stale version is a 409 naming the current one; a missing (or trashed) conversation a 404. */
async function refuse(db: Kysely<DB> | Transaction<DB>, id: string, seen: number | undefined): Promise<never> {
  const current = await db.selectFrom('conversations').select(['version', 'deleted_at']).where('id', '=', id).executeTakeFirst()
  if (!current || current.deleted_at) throw new NotFound('No such conversation (it may have been deleted).')
  throw new Conflict(
    `This conversation changed since you opened it (you saw version ${seen}, it is now version ${current.version}). Reload it and make your change again.`,
    { version: current.version },
  )
}

/** Replaces one turn's text; records the new state as an 'edited' version (and the original, if it was never recorded). */
export async function editTurn(db: Kysely<DB>, id: string, index: number, edit: TurnEdit, userId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('conversations')
      .select(['title', 'turns', 'parameters', 'model', 'quality_score', 'quality_parts', 'input_tokens', 'output_tokens', 'cost_usd', 'version', 'created_at'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('version', '=', edit.version)
      .forUpdate()
      .executeTakeFirst()
    if (!before) return refuse(trx, id, edit.version)
    if (index < 0 || index >= before.turns.length) throw new NotFound(`This conversation has no turn ${index + 1}.`)
    const snapshot = {
      conversation_id: id,
      title: before.title,
      parameters: JSON.stringify(before.parameters),
      model: before.model,
      quality_score: before.quality_score,
      quality_parts: before.quality_parts === null ? null : JSON.stringify(before.quality_parts),
      input_tokens: before.input_tokens,
      output_tokens: before.output_tokens,
      cost_usd: before.cost_usd,
    }
    await trx
      .insertInto('conversation_versions')
      .values({ ...snapshot, version: before.version, source: 'generated', turns: JSON.stringify(before.turns), created_at: before.created_at })
      .onConflict((oc) => oc.columns(['conversation_id', 'version']).doNothing())
      .execute()
    const turns = before.turns.map((turn, i) => (i === index ? { ...turn, content: edit.content } : turn))
    const next = before.version + 1
    await trx
      .updateTable('conversations')
      .set({ turns: JSON.stringify(turns), version: next, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute()
    await trx
      .insertInto('conversation_versions')
      .values({ ...snapshot, version: next, source: 'edited', turns: JSON.stringify(turns), created_by: userId })
      .execute()
    return next
  })
}

/** Moves a conversation to the trash (hidden everywhere; an admin can restore it for 30 days). */
export async function trashConversation(db: Kysely<DB>, id: string, seen?: number): Promise<void> {
  let query = db
    .updateTable('conversations')
    .set((eb) => ({ deleted_at: sql`now()`, updated_at: sql`now()`, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
  if (seen !== undefined) query = query.where('version', '=', seen)
  const result = await query.executeTakeFirst()
  if (result.numUpdatedRows === 0n) await refuse(db, id, seen)
}

/** Brings a trashed conversation back, if it was deleted less than 30 days ago. */
export async function restoreConversation(db: Kysely<DB>, id: string): Promise<void> {
  const result = await db
    .updateTable('conversations')
    .set((eb) => ({ deleted_at: null, updated_at: sql`now()`, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .where('deleted_at', '>', sql<Date>`now() - make_interval(days => ${TRASH_DAYS})`)
    .executeTakeFirst()
  if (result.numUpdatedRows > 0n) return
  const row = await db.selectFrom('conversations').select('deleted_at').where('id', '=', id).executeTakeFirst()
  if (!row || !row.deleted_at) throw new NotFound('No such conversation in the trash.')
  throw new Conflict(`This conversation was deleted more than ${TRASH_DAYS} days ago and can no longer be restored.`)
}

/** The trash, newest deletions first, by keyset on (deleted_at, id). */
export async function listTrash(db: Kysely<DB>, options: { after?: { deletedAt: string; id: string }; limit: number }) {
  let query = db
    .selectFrom('conversations')
    .select(['id', 'title', 'status', 'tier', 'deleted_at', sql<string>`deleted_at::text`.as('key')])
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '>', sql<Date>`now() - make_interval(days => ${TRASH_DAYS})`)
  if (options.after) {
    query = query.where(sql<boolean>`(deleted_at, id) < (cast(${options.after.deletedAt} as timestamptz), cast(${options.after.id} as uuid))`)
  }
  const rows = await query.orderBy('deleted_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1).execute()
  const items = rows.slice(0, options.limit)
  const last = items.at(-1)
  return { items, after: rows.length > options.limit && last ? { deletedAt: last.key, id: last.id } : undefined }
}
