import { type Kysely, sql } from 'kysely'
import { type DateRange, dateRange, MAX_RANGE_DAYS } from '../charts/date-range'
import { addDays, daysBetween } from '../days'
import type { DB } from '../db/schema'
import { type ConversationFilter, listedConversations } from './filter'

export type DailyActivity = {
  from: string
  to: string
  /** Every day of the range, oldest first; days without conversations count zero. */
  days: Array<{ day: string; conversations: number; cost_usd: number }>
}

/**
 * The days the dashboard's chart covers: the filter's created_from/created_to (their date part) in
 * the filter's zone, else `zone` (the user's); the last 30 days when it has none; at most the last
 * MAX_RANGE_DAYS of a longer range.
 */
export function dashboardRange(filter: ConversationFilter, zone: string, now = new Date()): DateRange {
  const range = dateRange(filter.created_from?.slice(0, 10), filter.created_to?.slice(0, 10), filter.timezone ?? zone, now)
  return daysBetween(range.from, range.to) >= MAX_RANGE_DAYS ? { ...range, from: addDays(range.to, -(MAX_RANGE_DAYS - 1)) } : range
}

/**
 * Conversations created and what they cost, per day of the range's zone, for the dashboard's filter:
 * one index range per day, counted where it lies, so neither a sort nor a hash of the range's rows is
 * needed. A day is midnight to midnight where the user is (23 or 25 hours when the clocks change).
 */
export async function dailyActivity(db: Kysely<DB>, filter: ConversationFilter, range: DateRange): Promise<DailyActivity> {
  const { rows } = await sql<{ day: string; conversations: number; cost_usd: number }>`
    select to_char(d.day, 'YYYY-MM-DD') as day, n.conversations, n.cost_usd
    from generate_series(${range.from}::date::timestamp, ${range.to}::date::timestamp, interval '1 day') as d(day)
    cross join lateral (
      select count(*)::int as conversations, coalesce(sum(conversations.cost_usd), 0)::float8 as cost_usd
      from conversations
      where conversations.created_at >= (d.day at time zone ${range.zone})
        and conversations.created_at < ((d.day + interval '1 day') at time zone ${range.zone})
        and ${listedConversations(filter)}
    ) n
    order by d.day
  `.execute(db)
  return { from: range.from, to: range.to, days: rows }
}
