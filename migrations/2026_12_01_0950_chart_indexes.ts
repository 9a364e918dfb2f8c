import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The charts aggregate from indexes rather than from the conversations table, whose rows carry the
// turns (about 1.6 kB each): at 100,000 conversations reading the heap is what made them slow.

const LIVE = sql`deleted_at is null`

export async function up(db: Kysely<any>): Promise<void> {
  // Quality charts: the decisions of a date range, then each one's conversation (its template and score).
  await sql`create index review_actions_decided_idx on review_actions (created_at) include (id, conversation_id, reviewer_id, to_status, action, reasons)
    where action in ('approve', 'reject', 'request_changes', 'auto_approve', 'auto_reject')`.execute(db)
  await sql`create index conversations_decided_idx on conversations (id) include (template_id, quality_score) where ${LIVE}`.execute(db)
  // The dashboard's conversations and spend per day: a range of created_at with its cost, from the index alone.
  await sql`create index conversations_daily_idx on conversations (created_at) include (cost_usd, status) where ${LIVE}`.execute(db)
  // Batch throughput: a batch's finished conversations, and when each was first generated.
  await sql`create index conversations_batch_finished_idx on conversations (batch_id, status) include (id, updated_at)`.execute(db)
  await sql`create index conversation_versions_first_idx on conversation_versions (conversation_id) include (created_at) where version = 1`.execute(db)
  // Coverage: persona × emotion × topic counts read in order, so grouping needs no sort or hash.
  await sql`create index conversations_coverage_idx on conversations (persona, emotion, topic) include (status, template_id, batch_id) where ${LIVE}`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of [
    'conversations_coverage_idx',
    'conversation_versions_first_idx',
    'conversations_batch_finished_idx',
    'conversations_daily_idx',
    'conversations_decided_idx',
    'review_actions_decided_idx',
  ]) {
    await sql`drop index if exists ${sql.id(name)}`.execute(db)
  }
}
