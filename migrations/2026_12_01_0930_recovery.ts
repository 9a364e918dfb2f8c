import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The Recovery page: failed conversations counted by error code from an index alone (and retried
// by code and batch through it), and the export that ran a failed or expired one again, so the
// page stops offering one that was already re-run.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index conversations_failed_code_idx on conversations (error_code, batch_id, id) where status = 'failed' and deleted_at is null`.execute(db)
  await db.schema
    .alterTable('exports')
    .addColumn('replaced_by', 'uuid', (c) => c.references('exports.id').onDelete('set null'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('exports').dropColumn('replaced_by').execute()
  await sql`drop index conversations_failed_code_idx`.execute(db)
}
