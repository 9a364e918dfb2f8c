import { type Kysely, sql } from 'kysely'
import { type DateRange, dateRange, daysOf, MAX_RANGE_DAYS } from '../charts/date-range'
import type { DB } from '../db/schema'
import { type ConversationFilter, listedConversations } from './filter'

export type DailyActivity = {
  from: string
  to: string
  /** Every day of the range, oldest first; days without conversations count zero. */
  days: Array<{ day: string; conversations: number; cost_usd: number }>
}

/**
 * The days the dashboard's chart covers: the filter's created_from/created_to (their date part),
 * the last 30 days when it has none, and at most the last MAX_RANGE_DAYS of a longer range.
 */
export function dashboardRange(filter: ConversationFilter, now = new Date()): DateRange {
  const range = dateRange(filter.created_from?.slice(0, 10), filter.created_to?.slice(0, 10), now)
  const longest = new Date(range.end.getTime() - MAX_RANGE_DAYS * 86_400_000)
  return range.start < longest ? dateRange(longest.toISOString().slice(0, 10), range.to, now) : range
}

/** Conversations created and what they cost, per day (UTC), for the dashboard's filter, in one aggregate. */
export async function dailyActivity(db: Kysely<DB>, filter: ConversationFilter, range: DateRange): Promise<DailyActivity> {
  const rows = await db
    .selectFrom('conversations')
    .select([
      sql<string>`to_char(conversations.created_at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
      sql<number>`count(*)::int`.as('conversations'),
      sql<number>`coalesce(sum(conversations.cost_usd), 0)::float8`.as('cost_usd'),
    ])
    .where(listedConversations(filter))
    .where('conversations.created_at', '>=', range.start)
    .where('conversations.created_at', '<', range.end)
    .groupBy(sql`1`)
    .execute()
  const byDay = new Map(rows.map((r) => [r.day, r]))
  return {
    from: range.from,
    to: range.to,
    days: daysOf(range).map((day) => ({ day, conversations: byDay.get(day)?.conversations ?? 0, cost_usd: byDay.get(day)?.cost_usd ?? 0 })),
  }
}
