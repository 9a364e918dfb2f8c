/**
 * The one approval rate every page shows: of the conversations a reviewer has decided on, the
 * share approved. Sent back for changes counts as decided (not approved), pending does not count.
 */
export const APPROVAL_RATE_DEFINITION = 'approved ÷ (approved + rejected + needs revision)'

export type DecisionCounts = { approved: number; rejected: number; needs_revision: number }

/** null when nothing was decided yet. */
export function approvalRate({ approved, rejected, needs_revision }: DecisionCounts): number | null {
  const decided = approved + rejected + needs_revision
  return decided ? approved / decided : null
}
