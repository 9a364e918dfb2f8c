import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The dashboard lists live (not trashed) conversations by keyset on (sort key, id), both
// directions: one partial index per offered sort, with expressions written exactly as the
// queries write them. The summary cards aggregate over a covering index instead of the table.

const LIVE = sql`deleted_at is null`

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index conversations_list_created_idx on conversations (created_at, id) where ${LIVE}`.execute(db)
  await sql`create index conversations_list_updated_idx on conversations (updated_at, id) where ${LIVE}`.execute(db)
  await sql`create index conversations_list_quality_idx on conversations ((coalesce(quality_score, -1)), id) where ${LIVE}`.execute(db)
  await sql`create index conversations_list_title_idx on conversations (title, id) where ${LIVE}`.execute(db)
  // Status is the filter people use most (and the review queue's): status first, then the default sort.
  await sql`create index conversations_list_status_created_idx on conversations (status, created_at, id) where ${LIVE}`.execute(db)
  // Simulated conversations are the rule without an API key: finding the real ones must not scan them all.
  await sql`create index conversations_list_simulated_idx on conversations (simulated, created_at, id) where ${LIVE}`.execute(db)
  // Counts by status and tier with sums, under any of the simple filters, from the index alone.
  await sql`
    create index conversations_summary_idx on conversations (status, tier)
    include (quality_score, cost_usd, template_id, batch_id, scenario_id, created_at, simulated, persona, emotion, topic)
    where ${LIVE}`.execute(db)
  // The trash page: newest deletions first.
  await sql`create index conversations_trash_idx on conversations (deleted_at, id) where deleted_at is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'conversations_trash_idx',
    'conversations_summary_idx',
    'conversations_list_simulated_idx',
    'conversations_list_status_created_idx',
    'conversations_list_title_idx',
    'conversations_list_quality_idx',
    'conversations_list_updated_idx',
    'conversations_list_created_idx',
  ]) {
    await db.schema.dropIndex(name).execute()
  }
}
