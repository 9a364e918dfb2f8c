import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The review queue: one partial index per offered order (only pending, live conversations are in
// the queue, so the indexes stay a third of the table), claims so two reviewers working the queue
// do not get the same item, and the review settings (reasons list, auto thresholds; newest row wins).

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index conversations_review_oldest_idx on conversations (created_at, id)
            where status = 'pending_review' and deleted_at is null`.execute(db)
  await sql`create index conversations_review_quality_idx on conversations ((coalesce(quality_score, -1)), id)
            where status = 'pending_review' and deleted_at is null`.execute(db)
  // The quality page and "my last action" (undo) read review_actions by time and by reviewer.
  await db.schema.createIndex('review_actions_reviewer_idx').on('review_actions').columns(['reviewer_id', 'created_at']).execute()
  await db.schema.createIndex('review_actions_undoes_id_idx').on('review_actions').column('undoes_id').where(sql.ref('undoes_id'), 'is not', null).execute()

  await db.schema
    .createTable('review_claims')
    .addColumn('conversation_id', 'uuid', (c) => c.primaryKey().references('conversations.id').onDelete('cascade'))
    .addColumn('reviewer_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('review_settings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('auto_approve_above', sql`numeric(4, 2)`)
    .addColumn('auto_reject_below', sql`numeric(4, 2)`)
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('review_settings').execute()
  await db.schema.dropTable('review_claims').execute()
  await db.schema.dropIndex('review_actions_undoes_id_idx').execute()
  await db.schema.dropIndex('review_actions_reviewer_idx').execute()
  await db.schema.dropIndex('conversations_review_quality_idx').execute()
  await db.schema.dropIndex('conversations_review_oldest_idx').execute()
}
