import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// How long the error log and the backups taken before destructive actions are kept: one row,
// changed by admins on the retention settings page (each change in the audit trail).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('retention_settings')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('error_log_days', 'integer', (c) => c.notNull().defaultTo(30).check(sql`error_log_days between 1 and 3650`))
    .addColumn('backup_days', 'integer', (c) => c.notNull().defaultTo(7).check(sql`backup_days between 1 and 365`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .execute()
  await sql`insert into retention_settings default values`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('retention_settings').execute()
}
