import { type Kysely, sql } from 'kysely'
import { type DateRange, dateRange, MAX_RANGE_DAYS } from '../charts/date-range'
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

/**
 * Conversations created and what they cost, per day (UTC), for the dashboard's filter: one index
 * range per day, counted where it lies, so neither a sort nor a hash of the range's rows is needed.
 */
export async function dailyActivity(db: Kysely<DB>, filter: ConversationFilter, range: DateRange): Promise<DailyActivity> {
  const { rows } = await sql<{ day: string; conversations: number; cost_usd: number }>`
    select to_char(d.day, 'YYYY-MM-DD') as day, n.conversations, n.cost_usd
    from generate_series(${range.start}::timestamptz, ${range.end}::timestamptz - interval '1 day', interval '1 day') as d(day)
    cross join lateral (
      select count(*)::int as conversations, coalesce(sum(conversations.cost_usd), 0)::float8 as cost_usd
      from conversations
      where conversations.created_at >= d.day and conversations.created_at < d.day + interval '1 day' and ${listedConversations(filter)}
    ) n
    order by d.day
  `.execute(db)
  return { from: range.from, to: range.to, days: rows }
}
