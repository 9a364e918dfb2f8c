import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// A user's notifications: a batch they started finished, an export they asked for is ready, the
// review queue grew past their threshold. Unread ones count in the header.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('batch_done', 'export_ready', 'review_needed')`))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('link', 'text', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema.createIndex('notifications_user_created_idx').on('notifications').columns(['user_id', 'created_at desc']).execute()
  await sql`create index notifications_unread_idx on notifications (user_id) where read_at is null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute()
}
