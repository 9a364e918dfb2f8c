import { type Kysely, sql } from 'kysely'
import { executePrepared } from '../../db/prepared'
import type { DB } from '../../db/schema'
import { notifyBatchDone } from '../../notifications/notify'
import { progressNotice } from '../progress-channel'

/** A batch's end: done once nothing of it waits or generates, with its totals written to its row. */

/** The batch row's token and cost columns as the sums of its conversations (set when it finishes or is cancelled). */
export function totalsFromConversations(id: string) {
  return sql`(input_tokens, output_tokens, cost_usd) = (
    select coalesce(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0), coalesce(sum(output_tokens), 0), coalesce(sum(cost_usd), 0)
    from conversations where batch_id = ${id}::uuid)`
}

/** Finished batches that get conversations to generate again (a retry) run again; others keep their status. */
export async function reopenBatches(db: Kysely<DB>, ids: string[]): Promise<void> {
  if (ids.length === 0) return
  await db
    .updateTable('batches')
    .set({ status: 'running', finished_at: null, updated_at: sql`now()` })
    .where('id', 'in', ids)
    .where('status', '=', 'done')
    .execute()
}

/** Marks a running batch done once none of its conversations is waiting or generating. */
export async function finishBatchIfComplete(db: Kysely<DB>, id: string): Promise<boolean> {
  // Every finished conversation asks, so the statement is prepared once per connection.
  const { rows } = await executePrepared(
    db,
    'finish_batch_if_complete',
    sql<{ id: string }>`
    with finished as (
      update batches set status = 'done', finished_at = now(), updated_at = now(), ${totalsFromConversations(id)}
      where id = ${id}::uuid and status = 'running'
        and not exists (select 1 from conversations where batch_id = ${id}::uuid and status in ('queued', 'generating'))
      returning id)
    select id, ${progressNotice(sql`json_build_object('batch_id', id, 'status', 'done')`)} from finished`,
  )
  if (rows.length === 0) return false
  await notifyBatchDone(db, id)
  return true
}
