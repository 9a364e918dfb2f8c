import { type Kysely, sql } from 'kysely'
import type { ConversationStatus, DB, Tier } from '../db/schema'
import { approvalRate } from '../review/approval-rate'
import { type ConversationFilter, listedConversations } from './filter'

export type Summary = {
  total: number
  byStatus: Partial<Record<ConversationStatus, number>>
  byTier: Partial<Record<Tier, number>>
  averageQuality: number | null
  /** As src/review/approval-rate.ts defines it, null when nothing was decided yet. */
  approvalRate: number | null
  spendUsd: number
}

/** The cards above the table and the row count, for the same filter, in one aggregate query. */
export async function summarizeConversations(db: Kysely<DB>, filter: ConversationFilter): Promise<Summary> {
  const rows = await db
    .selectFrom('conversations')
    .select([
      'conversations.status',
      'conversations.tier',
      sql<string>`count(*)`.as('n'),
      sql<number | null>`sum(conversations.quality_score)`.as('quality_sum'),
      sql<string>`count(conversations.quality_score)`.as('quality_n'),
      sql<number>`coalesce(sum(conversations.cost_usd), 0)`.as('spend'),
    ])
    .where(listedConversations(filter))
    .groupBy(['conversations.status', 'conversations.tier'])
    .execute()
  const summary: Summary = { total: 0, byStatus: {}, byTier: {}, averageQuality: null, approvalRate: null, spendUsd: 0 }
  let qualitySum = 0
  let qualityN = 0
  for (const row of rows) {
    const n = Number(row.n)
    summary.total += n
    summary.byStatus[row.status] = (summary.byStatus[row.status] ?? 0) + n
    summary.byTier[row.tier] = (summary.byTier[row.tier] ?? 0) + n
    qualitySum += Number(row.quality_sum ?? 0)
    qualityN += Number(row.quality_n)
    summary.spendUsd += Number(row.spend)
  }
  if (qualityN) summary.averageQuality = qualitySum / qualityN
  summary.approvalRate = approvalRate({
    approved: summary.byStatus.approved ?? 0,
    rejected: summary.byStatus.rejected ?? 0,
    needs_revision: summary.byStatus.needs_revision ?? 0,
  })
  return summary
}
