import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { activeReviewSettings } from './settings'

/**
 * Applies the optional auto-review thresholds to a conversation that just finished generating
 * (status pending_review): quality at or above "auto-approve" approves it, below "auto-reject"
 * rejects it, recorded as a system action (reviewer_id null). Both thresholds are off by default.
 * Call it inside the transaction that finishes the conversation; returns what it did, or null.
 */
export async function applyAutoReview(trx: Kysely<DB>, conversationId: string): Promise<'auto_approve' | 'auto_reject' | null> {
  const settings = await activeReviewSettings(trx)
  if (settings.autoApproveAbove === null && settings.autoRejectBelow === null) return null
  const conversation = await trx
    .selectFrom('conversations')
    .select(['quality_score'])
    .where('id', '=', conversationId)
    .where('status', '=', 'pending_review')
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  const quality = conversation?.quality_score
  if (quality === null || quality === undefined) return null
  const decision =
    settings.autoApproveAbove !== null && quality >= settings.autoApproveAbove
      ? ({ action: 'auto_approve', to: 'approved', comment: `Quality ${quality} is at or above the auto-approve threshold ${settings.autoApproveAbove}.` } as const)
      : settings.autoRejectBelow !== null && quality < settings.autoRejectBelow
        ? ({ action: 'auto_reject', to: 'rejected', comment: `Quality ${quality} is below the auto-reject threshold ${settings.autoRejectBelow}.` } as const)
        : null
  if (!decision) return null
  const updated = await trx
    .updateTable('conversations')
    .set({ status: decision.to, version: sql`version + 1`, reviewed_at: sql`now()`, updated_at: sql`now()` })
    .where('id', '=', conversationId)
    .where('status', '=', 'pending_review')
    .returning('id')
    .executeTakeFirst()
  if (!updated) return null
  await trx
    .insertInto('review_actions')
    .values({ conversation_id: conversationId, reviewer_id: null, action: decision.action, from_status: 'pending_review', to_status: decision.to, comment: decision.comment })
    .execute()
  return decision.action
}
