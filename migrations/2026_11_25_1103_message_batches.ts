import type { Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// A batch may go through the Anthropic Message Batches API (half price, answered within 24 hours):
// it records that choice and, once submitted, the API's id for the batch.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('batches')
    .addColumn('uses_message_batches', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('message_batch_id', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('batches').dropColumn('message_batch_id').dropColumn('uses_message_batches').execute()
}
