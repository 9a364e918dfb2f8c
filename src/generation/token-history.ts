import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import type { TokenHistory } from './cost'

/** How many recent conversations of a template an estimate learns from. */
const HISTORY_WINDOW = 500

/**
 * The average tokens a template's recent generated conversations used (as billed: uncached input,
 * output, cache reads and writes), for estimates calibrated by what really happened.
 */
export async function templateTokenHistory(db: Kysely<DB>, templateId: string): Promise<TokenHistory> {
  const { rows } = await sql<TokenHistory>`
    select count(*)::int as conversations,
           coalesce(avg(input_tokens), 0)::float8 as input, coalesce(avg(output_tokens), 0)::float8 as output,
           coalesce(avg(cache_read_tokens), 0)::float8 as "cacheRead", coalesce(avg(cache_write_tokens), 0)::float8 as "cacheWrite"
    from (select input_tokens, output_tokens, cache_read_tokens, cache_write_tokens from conversations
          where template_id = ${templateId}::uuid and output_tokens > 0
            and status in ('pending_review', 'approved', 'rejected', 'needs_revision')
          order by created_at desc limit ${HISTORY_WINDOW}) recent`.execute(db)
  return rows[0] ?? { conversations: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
}
