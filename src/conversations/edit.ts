import { type Kysely, sql, type Transaction } from 'kysely'
import { z } from 'zod'
import type { ConversationStatus, DB } from '../db/schema'
import { Conflict, NotFound } from '../errors'
import { keysetPage } from '../http/cursor'
import { single } from '../http/params'
import { recordStatusChange, statusWords } from '../review/actions'

/**
 * Changes made by hand on the detail page: editing a turn (a new version, guarded by the version
 * the editor saw), resubmitting a conversation sent back for changes, moving to the trash and
 * restoring from it within 30 days.
 *
 * Two numbers: `conversations.version` counts every change to the row (status, review, edit) and
 * is what a form sends back to catch a stale copy; content versions (conversation_versions.version,
 * v1, v2 …) number the states of the turns only.
 */

export const TRASH_DAYS = 30

const version = z.preprocess(
  single,
  z.coerce.number({ error: 'must be the version you edited' }).int('must be a whole number').min(1, 'must be the version you edited'),
)

export const TurnEdit = z.object({
  content: z.preprocess(single, z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(20_000, 'must be at most 20,000 characters')),
  version,
})
export type TurnEdit = z.infer<typeof TurnEdit>

export const VersionGuard = z.object({ version: version.optional() })

/** A stale version is a 409 naming the current one; a missing (or trashed) conversation a 404. */
async function refuse(db: Kysely<DB> | Transaction<DB>, id: string, seen: number | undefined): Promise<never> {
  const current = await db.selectFrom('conversations').select(['version', 'deleted_at']).where('id', '=', id).executeTakeFirst()
  if (!current || current.deleted_at) throw new NotFound('No such conversation (it may have been deleted).')
  throw new Conflict(
    `This conversation changed since you opened it (you saw revision ${seen}, it is now revision ${current.version}). Reload it and make your change again.`,
    { version: current.version },
  )
}

/** A decided conversation whose text changes needs deciding again: the edit is not what was reviewed. */
const REVIEWED: ConversationStatus[] = ['approved', 'rejected']

/**
 * Replaces one turn's text; records the new state as the next content version, source 'edited'
 * (and the original as version 1, if it was never recorded). An approved or rejected conversation
 * goes back to pending review, recorded as an 'edited' review action. Returns the new row version
 * (for the next edit) and the new content version.
 */
export async function editTurn(
  db: Kysely<DB>,
  id: string,
  index: number,
  edit: TurnEdit,
  userId: string,
): Promise<{ version: number; contentVersion: number }> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('conversations')
      .select([
        'title',
        'turns',
        'parameters',
        'model',
        'quality_score',
        'quality_parts',
        'input_tokens',
        'output_tokens',
        'cost_usd',
        'version',
        'status',
        'created_at',
      ])
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
    const latest = await trx
      .selectFrom('conversation_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('conversation_id', '=', id)
      .executeTakeFirstOrThrow()
    let current = Number(latest.v ?? 0)
    if (current === 0) {
      current = 1
      await trx
        .insertInto('conversation_versions')
        .values({ ...snapshot, version: current, source: 'generated', turns: JSON.stringify(before.turns), created_at: before.created_at })
        .execute()
    }
    const turns = before.turns.map((turn, i) => (i === index ? { ...turn, content: edit.content } : turn))
    const backToReview = REVIEWED.includes(before.status)
    const version = before.version + 1
    await trx
      .updateTable('conversations')
      .set({
        turns: JSON.stringify(turns),
        version,
        updated_at: sql`now()`,
        ...(backToReview ? { status: 'pending_review' as const, reviewed_by: null, reviewed_at: null } : {}),
      })
      .where('id', '=', id)
      .execute()
    await trx
      .insertInto('conversation_versions')
      .values({ ...snapshot, version: current + 1, source: 'edited', turns: JSON.stringify(turns), created_by: userId })
      .execute()
    if (backToReview) {
      await recordStatusChange(trx, {
        conversationId: id,
        userId,
        action: 'edited',
        from: before.status,
        to: 'pending_review',
        comment: `Turn ${index + 1} was edited after the decision, so the new text needs review.`,
      })
    }
    return { version, contentVersion: current + 1 }
  })
}

/** A conversation sent back for changes goes back to the review queue, recorded as 'resubmitted' by its editor. */
export async function resubmitConversation(db: Kysely<DB>, id: string, seen: number, userId: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('conversations')
      .select(['status', 'version'])
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('version', '=', seen)
      .forUpdate()
      .executeTakeFirst()
    if (!row) return refuse(trx, id, seen)
    if (row.status !== 'needs_revision') {
      throw new Conflict(`This conversation is ${statusWords(row.status)}; only one sent back for changes can be sent back to review.`, {
        version: row.version,
      })
    }
    const version = row.version + 1
    await trx
      .updateTable('conversations')
      .set({ status: 'pending_review', version, reviewed_by: null, reviewed_at: null, updated_at: sql`now()` })
      .where('id', '=', id)
      .execute()
    await recordStatusChange(trx, {
      conversationId: id,
      userId,
      action: 'resubmitted',
      from: 'needs_revision',
      to: 'pending_review',
      comment: 'Sent back to review after the requested changes.',
    })
    return version
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
  if (!row?.deleted_at) throw new NotFound('No such conversation in the trash.')
  throw new Conflict(`This conversation was deleted more than ${TRASH_DAYS} days ago and can no longer be restored.`)
}

/** The trash, newest deletions first, by keyset on (deleted_at, id); the cursor is the next page's query string. */
export async function listTrash(db: Kysely<DB>, options: { after?: { deletedAt: string; id: string }; limit: number }) {
  let query = db
    .selectFrom('conversations')
    .select(['id', 'title', 'status', 'tier', 'deleted_at', sql<string>`deleted_at::text`.as('key')])
    .where('deleted_at', 'is not', null)
    .where('deleted_at', '>', sql<Date>`now() - make_interval(days => ${TRASH_DAYS})`)
  if (options.after) {
    query = query.where(sql<boolean>`(deleted_at, id) < (cast(${options.after.deletedAt} as timestamptz), cast(${options.after.id} as uuid))`)
  }
  const rows = await query
    .orderBy('deleted_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return keysetPage(rows, options.limit, (last) => new URLSearchParams({ after_at: last.key, after_id: last.id }).toString())
}
