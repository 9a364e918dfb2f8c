import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The error log: every unexpected error (a 5xx, a job that failed for good, a generation past its
// retry budget, a failed export) with a short reference people can quote, a code from the one
// documented list, and its context. Admins filter it by code, severity, area and date, newest
// first (each filter has its own (…, created_at desc, id desc) index, so a filtered first page
// reads a few index entries), and search it by reference, code and message.
// Conversations keep their last error's details, when it happened and how often they were sent
// back to the queue, and every generation attempt is kept (the generation page lists them).
// Claude's 400 is stored as claude_bad_request, apart from the HTTP bad_request.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('error_logs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull().check(sql`severity in ('info', 'warning', 'error', 'critical')`))
    .addColumn('area', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('stack', 'text')
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`to_tsvector('simple'::regconfig, reference || ' ' || code || ' ' || message)`).stored(),
    )
    .execute()
  await sql`create index error_logs_created_idx on error_logs (created_at desc, id desc)`.execute(db)
  await sql`create index error_logs_code_idx on error_logs (code, created_at desc, id desc)`.execute(db)
  await sql`create index error_logs_severity_idx on error_logs (severity, created_at desc, id desc)`.execute(db)
  await sql`create index error_logs_area_idx on error_logs (area, created_at desc, id desc)`.execute(db)
  await sql`create index error_logs_search_idx on error_logs using gin (search)`.execute(db)

  await sql`alter table conversations
    add column error_details jsonb,
    add column last_error_at timestamptz,
    add column retry_count integer not null default 0`.execute(db)

  await db.schema
    .createTable('generation_attempts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    // Counts every attempt of the conversation, across retries (its `attempts` restarts at a retry).
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('generated', 'retrying', 'failed')`))
    .addColumn('code', 'text')
    .addColumn('message', 'text')
    .addColumn('details', 'jsonb')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('generation_attempts_conversation_attempt_key', ['conversation_id', 'attempt'])
    .execute()

  await sql`update conversations set error_code = 'claude_bad_request' where error_code = 'bad_request'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update conversations set error_code = 'bad_request' where error_code = 'claude_bad_request'`.execute(db)
  await db.schema.dropTable('generation_attempts').execute()
  await sql`alter table conversations drop column error_details, drop column last_error_at, drop column retry_count`.execute(db)
  await db.schema.dropTable('error_logs').execute()
}
