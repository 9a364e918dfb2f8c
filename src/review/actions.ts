import { type Kysely, sql } from 'kysely'
import { z } from 'zod'
import type { ConversationStatus, DB, ReviewActionKind } from '../db/schema'
import { deleteDraft } from '../drafts/drafts'
import { BadRequest, Conflict, NotFound, ValidationFailed } from '../errors'
import { listField, single } from '../http/params'
import { activeReviewSettings, type ReviewSettings } from './settings'

/**
 * Review decisions. Each writes the review_actions row and the conversation's new status in one
 * transaction, guarded by the version the reviewer saw: a stale copy never overwrites a newer one.
 */

export const DECISIONS = ['approve', 'reject', 'request_changes'] as const
export type Decision = (typeof DECISIONS)[number]

const TO_STATUS: Record<Decision, ConversationStatus> = { approve: 'approved', reject: 'rejected', request_changes: 'needs_revision' }

export const DECISION_LABELS: Record<ReviewActionKind, string> = {
  approve: 'Approved',
  reject: 'Rejected',
  request_changes: 'Changes requested',
  undo: 'Undone',
  move_to_review: 'Moved to review',
  auto_approve: 'Auto-approved',
  auto_reject: 'Auto-rejected',
  regenerated: 'Regenerated',
  rolled_back: 'Rolled back',
  edited: 'Edited',
  resubmitted: 'Sent back to review',
}

/**
 * A status change that is not a reviewer's decision (a regeneration, a roll-back, an edit of a
 * decided conversation, a resubmission), recorded with who made it, in the caller's transaction.
 */
export async function recordStatusChange(
  trx: Kysely<DB>,
  change: { conversationId: string; userId: string | null; action: ReviewActionKind; from: ConversationStatus; to: ConversationStatus; comment: string },
): Promise<void> {
  await trx
    .insertInto('review_actions')
    .values({
      conversation_id: change.conversationId,
      reviewer_id: change.userId,
      action: change.action,
      from_status: change.from,
      to_status: change.to,
      comment: change.comment,
    })
    .execute()
}

/** Reasons arrive as repeated form fields, a comma list or a JSON array; none given is none. */
const reasonList = listField(z.string({ error: 'each reason must be a code' }))
  .transform((reasons) => reasons ?? [])
  .refine((reasons) => reasons.length <= 20, 'too many reasons')

export const ReviewInput = z.object({
  action: z.preprocess(single, z.enum(DECISIONS, { error: `must be one of ${DECISIONS.join(', ')}` })),
  reasons: reasonList,
  comment: z.preprocess((v) => single(v) ?? '', z.string({ error: 'must be text' }).trim().max(2000, 'must be at most 2000 characters')),
  version: z.preprocess(
    single,
    z.coerce.number({ error: 'must be the version you reviewed' }).int('must be a whole number').min(1, 'must be the version you reviewed'),
  ),
})
export type ReviewInput = z.infer<typeof ReviewInput>

/** Checks what only the settings and the action together can tell: reasons known, a reason to reject, a comment to send back. */
export function checkDecision(input: ReviewInput, settings: ReviewSettings): void {
  const known = new Set(settings.reasons.map((r) => r.code))
  const unknown = input.reasons.filter((r) => !known.has(r))
  if (unknown.length) {
    throw new ValidationFailed(`Unknown rejection reason ${unknown.map((r) => `"${r}"`).join(', ')}; the reasons are ${[...known].join(', ')}.`, {
      reasons: `unknown: ${unknown.join(', ')}`,
    })
  }
  if (input.action === 'reject' && input.reasons.length === 0) {
    throw new ValidationFailed('Pick at least one reason to reject a conversation.', { reasons: 'pick at least one reason' })
  }
  if (input.action !== 'reject' && input.reasons.length > 0) {
    throw new ValidationFailed('Reasons are given only when rejecting.', { reasons: 'only when rejecting' })
  }
  if (input.action === 'request_changes' && !input.comment) {
    throw new ValidationFailed('Say what should change: requesting changes needs a comment.', { comment: 'say what should change' })
  }
}

/** What a client needs to know about a conversation after a decision (or when a decision was refused). */
const STATE_COLUMNS = ['id', 'status', 'version', 'title', 'quality_score', 'turns', 'reviewed_by', 'reviewed_at', 'updated_at', 'deleted_at'] as const

export async function conversationState(db: Kysely<DB>, id: string) {
  return db.selectFrom('conversations').select(STATE_COLUMNS).where('id', '=', id).executeTakeFirst()
}
export type ConversationState = NonNullable<Awaited<ReturnType<typeof conversationState>>>

/** A refused decision: someone else changed the conversation, or it is no longer waiting for review. Carries the fresh state. */
export class ReviewConflict extends Conflict {
  override readonly alongside: { conversation: ConversationState }
  constructor(message: string, current: ConversationState) {
    super(message)
    this.alongside = { conversation: current }
  }
}

const STATUS_WORDS: Record<ConversationStatus, string> = {
  draft: 'a draft',
  queued: 'queued for generation',
  generating: 'being generated',
  pending_review: 'pending review',
  approved: 'approved',
  rejected: 'rejected',
  needs_revision: 'sent back for changes',
  failed: 'failed',
  cancelled: 'cancelled',
}
export const statusWords = (status: ConversationStatus) => STATUS_WORDS[status]

/** A refused decision as it was sent, to show again: which panel, the reasons ticked, the comment. */
export type SubmittedDecision = { action?: 'reject' | 'request_changes'; reasons: string[]; comment?: string }

export function submittedDecision(body: Record<string, unknown>): SubmittedDecision {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined)
  const reasons = [body.reasons ?? []].flat().filter((r): r is string => typeof r === 'string')
  const action = text(single(body.action))
  return { action: action === 'reject' || action === 'request_changes' ? action : undefined, reasons, comment: text(single(body.comment)) }
}

/**
 * A reviewer's decision wherever it is made (the review screen, the conversation page, the API):
 * checked against the review settings, then recorded.
 */
export async function decide(db: Kysely<DB>, conversationId: string, reviewerId: string, input: ReviewInput) {
  checkDecision(input, await activeReviewSettings(db))
  const decided = await recordDecision(db, conversationId, reviewerId, input)
  // The comment typed for this decision was its draft: it is said now.
  await deleteDraft(db, reviewerId, `review-comment:${conversationId}`)
  return decided
}

/**
 * Approve, reject or request changes, if the conversation is still pending and still at the version
 * the reviewer saw. One statement (its own transaction): the new status, the review action and the
 * claim released together, in one round trip instead of five on the path of every review key.
 */
export async function recordDecision(db: Kysely<DB>, conversationId: string, reviewerId: string, input: ReviewInput) {
  const to = TO_STATUS[input.action]
  const row = await db
    .with('updated', (qb) =>
      qb
        .updateTable('conversations')
        .set({ status: to, version: sql`version + 1`, reviewed_by: reviewerId, reviewed_at: sql`now()`, updated_at: sql`now()` })
        .where('id', '=', conversationId)
        .where('version', '=', input.version)
        .where('status', '=', 'pending_review')
        .where('deleted_at', 'is', null)
        .returning(STATE_COLUMNS),
    )
    .with('released', (qb) => qb.deleteFrom('review_claims').where('conversation_id', 'in', qb.selectFrom('updated').select('id')))
    .with('action', (qb) =>
      qb
        .insertInto('review_actions')
        .columns(['conversation_id', 'reviewer_id', 'action', 'from_status', 'to_status', 'reasons', 'comment'])
        .expression((eb) =>
          eb
            .selectFrom('updated')
            .select([
              'updated.id',
              sql<string>`${reviewerId}::uuid`.as('reviewer_id'),
              sql<Decision>`${input.action}`.as('action'),
              sql<ConversationStatus>`'pending_review'`.as('from_status'),
              sql<ConversationStatus>`${to}`.as('to_status'),
              sql<string[]>`${input.reasons}::text[]`.as('reasons'),
              sql<string>`${input.comment}`.as('comment'),
            ]),
        )
        .returning(['id as action_id', 'action', 'reasons', 'comment', 'created_at as action_created_at']),
    )
    .selectFrom(['updated', 'action'])
    .selectAll('updated')
    .select(['action.action_id', 'action.action', 'action.reasons', 'action.comment', 'action.action_created_at'])
    .executeTakeFirst()
  if (!row) return explainRefusal(db, conversationId, input.version)
  const { action_id, action, reasons, comment, action_created_at, ...conversation } = row
  return { action: { id: action_id, action, reasons, comment, created_at: action_created_at }, conversation }
}

async function explainRefusal(db: Kysely<DB>, conversationId: string, version: number): Promise<never> {
  const current = await conversationState(db, conversationId)
  if (!current || current.deleted_at) throw new NotFound('This conversation does not exist or has been deleted.')
  if (current.version !== version) {
    throw new ReviewConflict(
      `Someone else changed this conversation after you opened it (you saw revision ${version}, it is now revision ${current.version} and ${statusWords(current.status)}). Nothing was changed; here is its current state.`,
      current,
    )
  }
  throw new ReviewConflict(`This conversation is ${statusWords(current.status)}, not pending review, so it cannot be reviewed now.`, current)
}

/**
 * Reverts the reviewer's latest decision that is not undone yet, recorded as an 'undo' action:
 * the status goes back and the version moves on. Refused when the conversation changed since.
 */
export async function undoLastDecision(db: Kysely<DB>, reviewerId: string) {
  return db.transaction().execute(async (trx) => {
    const last = await trx
      .selectFrom('review_actions as ra')
      .select(['ra.id', 'ra.conversation_id', 'ra.action', 'ra.from_status', 'ra.to_status', 'ra.created_at'])
      .where('ra.reviewer_id', '=', reviewerId)
      .where('ra.action', 'in', DECISIONS)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('review_actions as u').select('u.id').whereRef('u.undoes_id', '=', 'ra.id'))))
      .orderBy('ra.created_at', 'desc')
      .orderBy('ra.id', 'desc')
      .limit(1)
      .forUpdate()
      .executeTakeFirst()
    if (!last) throw new BadRequest('You have nothing to undo.')
    const reverted = await trx
      .updateTable('conversations')
      .set({ status: last.from_status, version: sql`version + 1`, reviewed_by: null, reviewed_at: null, updated_at: sql`now()` })
      .where('id', '=', last.conversation_id)
      .where('status', '=', last.to_status)
      .where('deleted_at', 'is', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('review_actions as later')
              .select('later.id')
              .where('later.conversation_id', '=', last.conversation_id)
              .where('later.id', '<>', last.id)
              // Compared in SQL: a JS Date would lose the microseconds.
              .where('later.created_at', '>=', selectFrom('review_actions as mine').select('mine.created_at').where('mine.id', '=', last.id)),
          ),
        ),
      )
      .returning('id')
      .executeTakeFirst()
    if (!reverted) {
      const current = await conversationState(trx, last.conversation_id)
      if (!current || current.deleted_at) throw new NotFound('The conversation of your last decision has been deleted, so it cannot be undone.')
      throw new ReviewConflict(
        `Your last decision (${DECISION_LABELS[last.action].toLowerCase()} "${current.title}") cannot be undone: the conversation has changed since and is now ${statusWords(current.status)}.`,
        current,
      )
    }
    const action = await trx
      .insertInto('review_actions')
      .values({
        conversation_id: last.conversation_id,
        reviewer_id: reviewerId,
        action: 'undo',
        from_status: last.to_status,
        to_status: last.from_status,
        undoes_id: last.id,
      })
      .returning(['id', 'action', 'undoes_id', 'created_at'])
      .executeTakeFirstOrThrow()
    return { action, undone: last, conversation: (await conversationState(trx, last.conversation_id))! }
  })
}
