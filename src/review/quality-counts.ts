import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'

/**
 * The roll-ups the quality page, the dashboard's summary and the review-needed notice read
 * (migrations/2026_12_01_1000_review_rollups.ts): triggers append each change as a row of its own, so
 * no writer waits on another; this folds those rows into one per key, every minute
 * (tasks/compact_quality_counts.ts). Readers sum, so they are right before and after.
 */
const ROLLUPS = [
  { table: 'review_decision_counts', keys: ['bucket', 'template_id', 'reviewer_id', 'to_status'], sums: ['decided', 'quality_sum', 'quality_n'] },
  { table: 'review_reason_counts', keys: ['bucket', 'template_id', 'reason'], sums: ['n'] },
  { table: 'conversation_status_counts', keys: ['template_id', 'status', 'tier'], sums: ['n', 'quality_sum', 'quality_n', 'cost_sum'] },
] as const

/** Keys that may be null (no template, auto-review); the others are compared with "=". */
const NULLABLE = new Set<string>(['template_id', 'reviewer_id'])

/** Folds every key with appended changes into one row (none when its sums came to zero); returns the rows folded. */
export async function compactQualityCounts(db: Kysely<DB>): Promise<number> {
  let folded = 0
  for (const { table, keys, sums } of ROLLUPS) {
    const keyList = sql.join(keys.map((k) => sql.ref(k)))
    // "=" where a key is never null, so the delete finds its rows by the bucket index instead of reading them all.
    const sameKey = sql.join(
      keys.map((k) => (NULLABLE.has(k) ? sql`t.${sql.ref(k)} is not distinct from k.${sql.ref(k)}` : sql`t.${sql.ref(k)} = k.${sql.ref(k)}`)),
      sql` and `,
    )
    // A change appended meanwhile is not in this statement's snapshot: it stays, to be folded next time.
    const { rows } = await sql<{ folded: number }>`
      with k as (select distinct ${keyList} from ${sql.table(table)} where not compacted),
      gone as (delete from ${sql.table(table)} t using k where ${sameKey} returning t.*),
      kept as (
        insert into ${sql.table(table)} (${keyList}, ${sql.join(sums.map((s) => sql.ref(s)))}, compacted)
        select ${keyList}, ${sql.join(sums.map((s) => sql`sum(${sql.ref(s)})`))}, true from gone
        group by ${keyList}
        having ${sql.join(
          sums.map((s) => sql`sum(${sql.ref(s)}) <> 0`),
          sql` or `,
        )}
      )
      select count(*)::int as folded from gone
    `.execute(db)
    folded += rows[0]?.folded ?? 0
  }
  return folded
}
