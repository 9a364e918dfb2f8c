import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Database health: what each process reports about itself (its connection pool, request and query
// latencies of the last hour), a sample a minute for the charts (kept a week), and VACUUM runs.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('process_metrics')
    .addColumn('process_id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('pool', 'jsonb', (c) => c.notNull())
    .addColumn('routes', 'jsonb', (c) => c.notNull())
    .addColumn('queries', 'jsonb', (c) => c.notNull())
    .addColumn('slow_queries', 'jsonb', (c) => c.notNull())
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reported_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('health_samples')
    .addColumn('taken_at', 'timestamptz', (c) => c.primaryKey().defaultTo(sql`now()`))
    .addColumn('values', 'jsonb', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('maintenance_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('table_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'done', 'failed')`))
    .addColumn('requested_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .execute()
  await db.schema.createIndex('maintenance_runs_created_at_idx').on('maintenance_runs').column('created_at').execute()
  // Statement statistics where the server has the extension and lets us create it; the app's own
  // timings stand in where it does not.
  await sql`do $$ begin create extension if not exists pg_stat_statements; exception when others then null; end $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('maintenance_runs').execute()
  await db.schema.dropTable('health_samples').execute()
  await db.schema.dropTable('process_metrics').execute()
}
