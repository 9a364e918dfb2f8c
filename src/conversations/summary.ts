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

/** Filter fields the status roll-up can answer (a zone matters only to days, which it cannot). */
const COUNTED_FIELDS = new Set<string>(['status', 'tier', 'template_id', 'timezone'])

/** Whether the roll-up answers this filter: live conversations narrowed by status, tier and template at most. */
function countedAlready(filter: ConversationFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || COUNTED_FIELDS.has(key) || (key === 'deleted' && value === 'exclude'))
}

/** Per status and tier: count, scores and spend, from the roll-up or by reading the conversations. */
function groups(db: Kysely<DB>, filter: ConversationFilter) {
  if (countedAlready(filter)) {
    // The dashboard as it opens: counted already by the database (migrations/2026_12_01_1000_review_rollups.ts),
    // 420 → 5 ms a request at a million. The same statuses as listedConversations: cancelled only when asked for.
    let counted = db
      .selectFrom('conversation_status_counts as s')
      .select([
        's.status',
        's.tier',
        sql<string>`sum(s.n)`.as('n'),
        sql<number | null>`sum(s.quality_sum)`.as('quality_sum'),
        sql<string>`sum(s.quality_n)`.as('quality_n'),
        sql<number>`coalesce(sum(s.cost_sum), 0)`.as('spend'),
      ])
    counted = filter.status ? counted.where('s.status', 'in', filter.status) : counted.where('s.status', '!=', 'cancelled')
    if (filter.tier) counted = counted.where('s.tier', 'in', filter.tier)
    if (filter.template_id) counted = counted.where('s.template_id', '=', filter.template_id)
    return counted.groupBy(['s.status', 's.tier']).having(sql<boolean>`sum(s.n) <> 0`).execute()
  }
  return db
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
}

/** The cards above the table and the row count, for the same filter, in one aggregate query. */
export async function summarizeConversations(db: Kysely<DB>, filter: ConversationFilter): Promise<Summary> {
  const rows = await groups(db, filter)
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
