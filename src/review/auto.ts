import type { ConversationStatus } from '../db/schema'
import type { ReviewSettings } from './settings'

export type AutoDecision = { action: 'auto_approve' | 'auto_reject'; to: ConversationStatus; comment: string }

/**
 * The optional auto-review thresholds applied to a freshly scored conversation: quality at or above
 * "auto-approve" approves it, below "auto-reject" rejects it; null leaves it pending review. Both
 * are off by default. The caller writes the decision in the statement that stores the result (as a
 * system action, reviewer_id null), so a result is never seen without its decision.
 */
export function autoDecision(settings: Pick<ReviewSettings, 'autoApproveAbove' | 'autoRejectBelow'>, quality: number): AutoDecision | null {
  if (settings.autoApproveAbove !== null && quality >= settings.autoApproveAbove) {
    return { action: 'auto_approve', to: 'approved', comment: `Quality ${quality} is at or above the auto-approve threshold ${settings.autoApproveAbove}.` }
  }
  if (settings.autoRejectBelow !== null && quality < settings.autoRejectBelow) {
    return { action: 'auto_reject', to: 'rejected', comment: `Quality ${quality} is below the auto-reject threshold ${settings.autoRejectBelow}.` }
  }
  return null
}
