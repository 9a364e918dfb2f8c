import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Backups taken before destructive actions: one row per backup (its file under DATA_DIR/backups)
// and one backup_items row per conversation (or template) it holds, with the row version the action
// left, so a restore can tell which rows were changed since and must be skipped.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('backups')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('reason', 'text', (c) =>
      c.notNull().check(sql`reason in ('bulk_delete', 'bulk_reject', 'purge_trash', 'template_delete', 'rollback', 'restore')`),
    )
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    // 'writing' until the file is fsync'd and renamed into place; never listed nor restorable.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('writing').check(sql`status in ('writing', 'ready', 'expired')`))
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('sha256', 'text')
    .addColumn('file', 'text')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('restored_at', 'timestamptz')
    .addColumn('restored_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('restore_result', 'jsonb')
    .execute()
  await sql`create index backups_ready_created_idx on backups (created_at desc, id desc) where status = 'ready'`.execute(db)
  await sql`create index backups_ready_expires_idx on backups (expires_at) where status = 'ready'`.execute(db)
  await db.schema
    .createTable('backup_items')
    .addColumn('backup_id', 'uuid', (c) => c.notNull().references('backups.id').onDelete('cascade'))
    .addColumn('item_id', 'uuid', (c) => c.notNull())
    // The row's version once the action committed; null when the action deleted it.
    .addColumn('version_after', 'integer')
    .addPrimaryKeyConstraint('backup_items_pkey', ['backup_id', 'item_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('backup_items').execute()
  await db.schema.dropTable('backups').execute()
}
