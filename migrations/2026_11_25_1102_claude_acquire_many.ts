import { sql, type Kysely } from 'kysely'

// Frozen in time: never import app code here, never edit once landed.
// Workers ask the limiter for several leases at once (the calls that gathered while the last ask
// was on its way), so the one limiter row is locked once per group, not once per call. Each lease
// gets the next evenly spaced start slot; fewer than asked, or none, when the concurrency is full.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function claude_acquire_many(p_holder text, p_count integer, p_rpm integer, p_max_concurrency integer, p_lease_ms integer)
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
      v_slot := greatest(v_next, clock_timestamp());
      for i in 1 .. least(p_count, p_max_concurrency - v_live) loop
        insert into claude_leases (holder, expires_at)
          values (p_holder, v_slot + make_interval(secs => p_lease_ms / 1000.0))
          returning id into v_id;
        lease_id := v_id;
        wait_ms := greatest(0, extract(epoch from (v_slot - clock_timestamp())) * 1000);
        return next;
        v_slot := v_slot + make_interval(secs => 60.0 / greatest(p_rpm, 1));
      end loop;
      update claude_rate_limit set next_at = v_slot where v_slot > next_at;
    end
    $$`.execute(db)
  await sql`drop function claude_acquire(text, integer, integer, integer)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create function claude_acquire(p_holder text, p_rpm integer, p_max_concurrency integer, p_lease_ms integer)
    returns table (lease_id uuid, wait_ms double precision)
    language sql as $$
      select lease_id, wait_ms from claude_acquire_many(p_holder, 1, p_rpm, p_max_concurrency, p_lease_ms)
      union all select null::uuid, null::double precision
      limit 1
    $$`.execute(db)
}
