import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Named AI configurations, one of them active. Activating one writes its values into ai_settings
// (the row workers read), with its prices: `prices` holds only the prices changed from the model's
// list prices ({input, output, cache_write, cache_read} in dollars per million tokens).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ai_configurations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('prices', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('batch_discount', 'numeric', (c) => c.notNull().defaultTo(0.5).check(sql`batch_discount > 0 and batch_discount <= 1`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index ai_configurations_name_idx on ai_configurations (lower(name))`.execute(db)
  await sql`create unique index ai_configurations_one_active_idx on ai_configurations (active) where active`.execute(db)

  await db.schema
    .alterTable('ai_settings')
    .addColumn('configuration_id', 'uuid', (c) => c.references('ai_configurations.id').onDelete('set null'))
    .addColumn('prices', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('batch_discount', 'numeric', (c) => c.notNull().defaultTo(0.5))
    .execute()

  // The settings in use become the first configuration, active.
  await sql`
    with newest as (select * from ai_settings order by created_at desc, id desc limit 1),
    made as (
      insert into ai_configurations (name, settings, active, created_by)
      select 'Default', jsonb_build_object('model', model, 'max_tokens', max_tokens, 'requests_per_minute', requests_per_minute,
        'max_concurrency', max_concurrency, 'max_retries', max_retries, 'retry_budget_minutes', retry_budget_minutes,
        'timeout_ms', timeout_ms, 'max_batch_size', max_batch_size), true, created_by
      from newest returning id)
    update ai_settings set configuration_id = made.id from made, newest where ai_settings.id = newest.id`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ai_settings').dropColumn('configuration_id').dropColumn('prices').dropColumn('batch_discount').execute()
  await db.schema.dropTable('ai_configurations').execute()
}
