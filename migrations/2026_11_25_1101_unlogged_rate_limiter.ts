import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// The rate limiter's rows are transient: unlogged, a call's acquire commits without waiting for a
// WAL flush, so the one limiter row is held for microseconds, not a disk sync. After a Postgres
// crash an unlogged table comes back empty: claude_acquire puts the limiter row back by itself.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table claude_rate_limit set unlogged`.execute(db)
  await sql`alter table claude_leases set unlogged`.execute(db)
  await sql`
    create or replace function claude_acquire(p_holder text, p_rpm integer, p_max_concurrency integer, p_lease_ms integer)
    returns table (lease_id uuid, wait_ms double precision)
    language plpgsql as $$
    declare
      v_next timestamptz;
      v_slot timestamptz;
      v_live integer;
      v_id uuid;
    begin
      select next_at into v_next from claude_rate_limit for update;
      if not found then
        insert into claude_rate_limit default values on conflict do nothing;
        select next_at into v_next from claude_rate_limit for update;
      end if;
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table claude_leases set logged`.execute(db)
  await sql`alter table claude_rate_limit set logged`.execute(db)
}
