import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The Claude rate limiter every worker process shares, and the indexes the generation pages read by.

export async function up(db: Kysely<any>): Promise<void> {
  // Requests per minute: one row holding the earliest time the next request may start. Each call
  // reserves the next slot and pushes it one interval (60 s / rpm) later, so calls are spaced
  // evenly and no minute ever holds more than the configured number, however many workers ask.
  await db.schema
    .createTable('claude_rate_limit')
    .addColumn('id', 'boolean', (c) => c.primaryKey().defaultTo(true).check(sql`id`))
    .addColumn('next_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`insert into claude_rate_limit default values`.execute(db)

  // Concurrency: one lease per call in flight. A lease expires on its own, so a worker killed
  // mid-call frees its place without anyone cleaning up after it.
  await db.schema
    .createTable('claude_leases')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute()

  // One round trip: under the limiter row's lock, drop expired leases, refuse when all places are
  // taken (lease_id null), else take a lease and reserve the next slot; wait_ms says how long to
  // sleep before calling.
  await sql`
    create function claude_acquire(p_holder text, p_rpm integer, p_max_concurrency integer, p_lease_ms integer)
    returns table (lease_id uuid, wait_ms double precision)
    language plpgsql as $$
    declare
      v_next timestamptz;
      v_slot timestamptz;
      v_live integer;
      v_id uuid;
    begin
      select next_at into v_next from claude_rate_limit for update;
      delete from claude_leases where expires_at < clock_timestamp();
      select count(*) into v_live from claude_leases;
      if v_live >= p_max_concurrency then
        return query select null::uuid, null::double precision;
        return;
      end if;
      v_slot := greatest(v_next, clock_timestamp());
      update claude_rate_limit set next_at = v_slot + make_interval(secs => 60.0 / greatest(p_rpm, 1));
      insert into claude_leases (holder, expires_at)
        values (p_holder, v_slot + make_interval(secs => p_lease_ms / 1000.0))
        returning id into v_id;
      return query select v_id, greatest(0, extract(epoch from (v_slot - clock_timestamp())) * 1000)::double precision;
    end
    $$`.execute(db)

  // The batch page's latest results, and the batches list (newest first, keyset on created_at, id).
  await db.schema.createIndex('conversations_batch_id_updated_at_idx').on('conversations').columns(['batch_id', 'updated_at desc']).execute()
  await db.schema.createIndex('batches_created_at_id_idx').on('batches').columns(['created_at desc', 'id desc']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('batches_created_at_id_idx').execute()
  await db.schema.dropIndex('conversations_batch_id_updated_at_idx').execute()
  await sql`drop function claude_acquire(text, integer, integer, integer)`.execute(db)
  await db.schema.dropTable('claude_leases').execute()
  await db.schema.dropTable('claude_rate_limit').execute()
}
