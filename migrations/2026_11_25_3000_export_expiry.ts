import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The retention task looks for finished exports past their expiry every few minutes.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index exports_expiry_idx on exports (expires_at) where status = 'done'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('exports_expiry_idx').execute()
}
