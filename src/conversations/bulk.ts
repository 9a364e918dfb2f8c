import { type Expression, expressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import { z } from 'zod'
import { type Capability, can } from '../auth/roles'
import { inBackup, withBackup } from '../backups/write'
import { addJob } from '../db/jobs'
import type { ConversationStatus, DB, Role } from '../db/schema'
import { BadRequest } from '../errors'
import { listField, optionalField, single } from '../http/params'
import { ConversationFilter, checkFilter, conversationFilter, FILTER_FIELDS, listedConversations } from './filter'

/**
 * Bulk actions on the dashboard: on the ticked rows or on everything matching the filter. Each
 * runs as one statement in one transaction; every status change writes its review_actions row
 * (reviewer = the user) and bumps the conversation's version, like a decision in the review queue.
 * Large sets go to a job (tasks/bulk_conversations.ts), so the request does not wait for them.
 */

export const BULK_ACTIONS = ['approve', 'reject', 'move_to_review', 'delete', 'export'] as const
export type BulkAction = (typeof BULK_ACTIONS)[number]

type StatusChange = { to: ConversationStatus; from: ConversationStatus[] }

/** Which statuses each change applies to; other matches are left alone (and counted as skipped). */
const CHANGES: Partial<Record<BulkAction, StatusChange>> = {
  approve: { to: 'approved', from: ['pending_review', 'needs_revision', 'rejected'] },
  reject: { to: 'rejected', from: ['pending_review', 'needs_revision', 'approved'] },
  move_to_review: { to: 'pending_review', from: ['approved', 'rejected', 'needs_revision', 'draft'] },
}

/**
 * Deciding needs the review role; deleting and exporting need the edit role. Moving back to review
 * needs either: editors resubmit what was sent back for changes (it decides nothing).
 */
const BULK_NEEDS: Record<BulkAction, Capability[]> = {
  approve: ['review'],
  reject: ['review'],
  move_to_review: ['review', 'edit'],
  delete: ['edit'],
  export: ['edit'],
}

export function mayBulk(role: Role, action: BulkAction): boolean {
  return BULK_NEEDS[action].some((capability) => can(role, capability))
}

export const BulkInput = z
  .object({
    ...FILTER_FIELDS,
    action: z.preprocess(single, z.enum(BULK_ACTIONS, { error: `must be one of ${BULK_ACTIONS.join(', ')}` })),
    scope: z.preprocess((v) => single(v) ?? 'selected', z.enum(['selected', 'filter'], { error: 'must be selected or filter' })),
    ids: listField(z.uuid({ error: 'must be conversation ids' })),
    confirmed: optionalField(z.union([z.boolean(), z.stringbool({ error: 'must be true or false' })])),
  })
  .superRefine(checkFilter)
export type BulkInput = z.infer<typeof BulkInput>

export type BulkTarget = { filter: ConversationFilter; ids?: string[] }

/** The target as given: the ticked ids (none is a 400) or the filter; trashed conversations never. */
export function bulkTarget(input: BulkInput): BulkTarget {
  const { action: _a, scope, ids, confirmed: _c, ...filter } = input
  if (scope === 'selected') {
    if (!ids?.length) throw new BadRequest('Select at least one conversation, or choose "everything matching this filter".')
    return { filter: {}, ids }
  }
  return { filter: { ...filter, deleted: 'exclude' } }
}

/** The target's rows; with a change, only those whose status it applies to. */
function targetWhere(target: BulkTarget, change?: StatusChange): Expression<SqlBool> {
  const eb = expressionBuilder<DB, 'conversations'>()
  // Ticked rows are taken as they are; a filter matches what the dashboard lists for it.
  const where = [target.ids ? conversationFilter(target.filter) : listedConversations(target.filter)]
  if (target.ids) where.push(eb('conversations.id', 'in', target.ids))
  if (change) where.push(eb('conversations.status', 'in', change.from))
  return eb.and(where)
}

/** How many conversations the target matches and how many the action would change. */
export async function countBulk(db: Kysely<DB>, target: BulkTarget, action: BulkAction): Promise<{ matched: number; eligible: number }> {
  const change = CHANGES[action]
  const eligible = change ? sql<string>`count(*) filter (where conversations.status in (${sql.join(change.from)}))` : sql<string>`count(*)`
  const row = await db
    .selectFrom('conversations')
    .select([sql<string>`count(*)`.as('matched'), eligible.as('eligible')])
    .where(targetWhere(target))
    .executeTakeFirstOrThrow()
  return { matched: Number(row.matched), eligible: Number(row.eligible) }
}

/**
 * Applies a status change or a delete to the target in one transaction; returns how many changed.
 * A delete or reject first saves exactly the rows it changes as a backup (src/backups).
 */
export async function applyBulk(
  db: Kysely<DB>,
  target: BulkTarget,
  action: Exclude<BulkAction, 'export'>,
  by: { userId: string; backupDir: string },
): Promise<number> {
  if (action === 'approve' || action === 'move_to_review') {
    return db.transaction().execute((trx) => changeStatus(trx, targetWhere(target, CHANGES[action]), action, by.userId))
  }
  const reason = action === 'delete' ? 'bulk_delete' : 'bulk_reject'
  const items = db.selectFrom('conversations').select('conversations.id').where(targetWhere(target, CHANGES[action])).forUpdate()
  const description = `Bulk ${action} from the dashboard`
  return withBackup(db, by.backupDir, { reason, description, userId: by.userId, items }, async (trx, backup) => {
    const where = expressionBuilder<DB, 'conversations'>()('conversations.id', 'in', inBackup(backup.id))
    if (action !== 'delete') return changeStatus(trx, where, action, by.userId)
    const deleted = await trx
      .updateTable('conversations')
      .set((eb) => ({ deleted_at: sql`now()`, updated_at: sql`now()`, version: eb('conversations.version', '+', 1) }))
      .where(where)
      .executeTakeFirst()
    return Number(deleted.numUpdatedRows)
  })
}

/** Changes the status of the rows `where` picks, recording each change as a review action. */
async function changeStatus(trx: Kysely<DB>, where: Expression<SqlBool>, action: Exclude<BulkAction, 'export' | 'delete'>, userId: string) {
  const change = CHANGES[action]!
  const decided = action === 'approve' || action === 'reject'
  // Lock the rows first (a concurrent change is re-checked against the filter), remember the old
  // status, change them, and record each change, all in one statement.
  const { rows } = await sql<{ n: string }>`
    with old as (
      select conversations.id, conversations.status from conversations where ${where} for update
    ), changed as (
      update conversations c
      set status = ${change.to}, version = c.version + 1, updated_at = now()
        ${decided ? sql`, reviewed_by = ${userId}, reviewed_at = now()` : sql``}
      from old where c.id = old.id
      returning c.id, old.status as from_status
    ), recorded as (
      insert into review_actions (conversation_id, reviewer_id, action, from_status, to_status, comment)
      select id, ${userId}, ${action}, from_status, ${change.to}, 'Bulk action from the dashboard'
      from changed
      returning 1
    )
    select count(*) as n from recorded`.execute(trx)
  return Number(rows[0]?.n ?? 0)
}

/** Above this many conversations to change, a bulk action runs as a job. */
export const BULK_JOB_THRESHOLD = 5_000
export const BULK_TASK = 'bulk_conversations'

/** What the job carries: the same target, checked again when the job runs (old jobs outlive code). */
export const BulkJobPayload = z.object({
  action: z.enum(['approve', 'reject', 'move_to_review', 'delete']),
  filter: ConversationFilter,
  ids: z.array(z.uuid()).optional(),
  userId: z.uuid(),
})
export type BulkJobPayload = z.infer<typeof BulkJobPayload>

export async function queueBulk(db: Kysely<DB>, payload: BulkJobPayload): Promise<void> {
  await addJob(db, BULK_TASK, payload, { maxAttempts: 3 })
}
