import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The core data model that generation, review and export share. Area-specific tables and the
// indexes each area's queries need come in that area's own later migrations.

const id = sql`gen_random_uuid()`
const now = sql`now()`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('templates')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('category', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('target_tier', 'text', (c) => c.notNull().defaultTo('T1').check(sql`target_tier in ('T1', 'T2', 'T3')`))
    .addColumn('system_prompt', 'text', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('parameters', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('min_turns', 'integer', (c) => c.notNull().defaultTo(4))
    .addColumn('max_turns', 'integer', (c) => c.notNull().defaultTo(8))
    .addColumn('quality_threshold', sql`numeric(4, 2)`, (c) => c.notNull().defaultTo(6))
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('archived_at', 'timestamptz')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('templates_turns_check', sql`min_turns >= 2 and max_turns >= min_turns`)
    .execute()

  // Every save of a template is a version; conversations point at the version they were made from.
  await db.schema
    .createTable('template_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('template_id', 'uuid', (c) => c.notNull().references('templates.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('template_versions_template_version_key', ['template_id', 'version'])
    .execute()

  await db.schema
    .createTable('scenarios')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('template_id', 'uuid', (c) => c.notNull().references('templates.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('persona', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('emotion', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('topic', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('context', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('intent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tone', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('values', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('scenarios_template_id_idx').on('scenarios').column('template_id').execute()

  await db.schema
    .createTable('edge_cases')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('scenario_id', 'uuid', (c) => c.notNull().references('scenarios.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('complexity', 'integer', (c) => c.notNull().defaultTo(5).check(sql`complexity between 1 and 10`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('edge_cases_scenario_id_idx').on('edge_cases').column('scenario_id').execute()

  // The active AI configuration is the newest row; every change is a new row (the audit trail).
  await db.schema
    .createTable('ai_settings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('max_tokens', 'integer', (c) => c.notNull())
    .addColumn('temperature', sql`numeric(3, 2)`, (c) => c.notNull())
    .addColumn('requests_per_minute', 'integer', (c) => c.notNull())
    .addColumn('max_concurrency', 'integer', (c) => c.notNull())
    .addColumn('max_retries', 'integer', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('max_batch_size', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db
    .insertInto('ai_settings')
    .values({
      model: 'claude-haiku-4-5',
      max_tokens: 4096,
      temperature: 0.8,
      requests_per_minute: 50,
      max_concurrency: 5,
      max_retries: 3,
      timeout_ms: 120_000,
      max_batch_size: 10_000,
    })
    .execute()

  await db.schema
    .createTable('batches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('template_id', 'uuid', (c) => c.notNull().references('templates.id'))
    .addColumn('template_version_id', 'uuid', (c) => c.notNull().references('template_versions.id'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('running').check(sql`status in ('running', 'paused', 'cancelled', 'done')`))
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('estimate', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('input_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', sql`numeric(14, 6)`, (c) => c.notNull().defaultTo(0))
    .addColumn('simulated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('finished_at', 'timestamptz')
    .execute()

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('batch_id', 'uuid', (c) => c.references('batches.id').onDelete('set null'))
    .addColumn('template_id', 'uuid', (c) => c.references('templates.id').onDelete('set null'))
    .addColumn('template_version_id', 'uuid', (c) => c.references('template_versions.id').onDelete('set null'))
    .addColumn('scenario_id', 'uuid', (c) => c.references('scenarios.id').onDelete('set null'))
    .addColumn('edge_case_id', 'uuid', (c) => c.references('edge_cases.id').onDelete('set null'))
    .addColumn('tier', 'text', (c) => c.notNull().check(sql`tier in ('T1', 'T2', 'T3')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft', 'queued', 'generating', 'pending_review', 'approved', 'rejected', 'needs_revision', 'failed')`),
    )
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('persona', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('emotion', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('topic', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parameters', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('system_prompt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('prompt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('turns', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('turn_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quality_score', sql`numeric(4, 2)`)
    .addColumn('quality_parts', 'jsonb')
    .addColumn('flagged', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('model', 'text')
    .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_read_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cache_write_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', sql`numeric(12, 6)`, (c) => c.notNull().defaultTo(0))
    .addColumn('generation_ms', 'integer')
    .addColumn('simulated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    // Optimistic concurrency: every change bumps it; a write with a stale version is refused.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reviewed_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, persona || ' ' || emotion || ' ' || topic), 'B') ||
        setweight(jsonb_to_tsvector('english'::regconfig, turns, '["string"]'), 'C')`).stored(),
    )
    .execute()
  await db.schema.createIndex('conversations_batch_id_status_idx').on('conversations').columns(['batch_id', 'status']).execute()
  await db.schema.createIndex('conversations_template_id_idx').on('conversations').column('template_id').execute()
  await db.schema.createIndex('conversations_search_idx').on('conversations').using('gin').column('search').execute()

  // Every state of a conversation's turns: generated, edited by hand, regenerated, rolled back.
  await db.schema
    .createTable('conversation_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('generated', 'edited', 'regenerated', 'rollback', 'seeded')`))
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('turns', 'jsonb', (c) => c.notNull())
    .addColumn('parameters', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('model', 'text')
    .addColumn('quality_score', sql`numeric(4, 2)`)
    .addColumn('quality_parts', 'jsonb')
    .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cost_usd', sql`numeric(12, 6)`, (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('conversation_versions_key', ['conversation_id', 'version'])
    .execute()

  await db.schema
    .createTable('review_actions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    // Null for actions the system takes (auto-approve, auto-reject).
    .addColumn('reviewer_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('action', 'text', (c) =>
      c.notNull().check(sql`action in ('approve', 'reject', 'request_changes', 'undo', 'move_to_review', 'auto_approve', 'auto_reject')`),
    )
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('reasons', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('undoes_id', 'uuid', (c) => c.references('review_actions.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('review_actions_conversation_id_idx').on('review_actions').columns(['conversation_id', 'created_at']).execute()

  await db.schema
    .createTable('exports')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(id))
    .addColumn('format', 'text', (c) => c.notNull().check(sql`format in ('openai', 'bedrock', 'sharegpt', 'hf', 'json', 'csv', 'markdown')`))
    .addColumn('scope', 'jsonb', (c) => c.notNull())
    .addColumn('options', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'done', 'failed', 'expired')`))
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sha256', 'text')
    .addColumn('files', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('report', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('deleted_at', 'timestamptz')
    .execute()
  await db.schema.createIndex('exports_created_at_idx').on('exports').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('user_preferences')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('page_size', 'integer', (c) => c.notNull().defaultTo(50).check(sql`page_size between 10 and 500`))
    .addColumn('review_order', 'text', (c) => c.notNull().defaultTo('oldest'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'user_preferences',
    'exports',
    'review_actions',
    'conversation_versions',
    'conversations',
    'batches',
    'ai_settings',
    'edge_cases',
    'scenarios',
    'template_versions',
    'templates',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
