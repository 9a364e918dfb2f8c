import { type Kysely, sql } from 'kysely'
import type { DB } from '../db/schema'
import { isAlive } from '../process-alive'

/** A worker silent for longer than this is presumed dead. */
export const HEARTBEAT_INTERVAL_MS = 5_000
export const WORKER_DEAD_AFTER_MS = 30_000

/** Records that this process's graphile-worker workers are alive, in one statement. */
export async function beat(db: Kysely<DB>, workerIds: string[], host: { hostname: string; pid: number }): Promise<void> {
  if (workerIds.length === 0) return
  await db
    .insertInto('worker_heartbeats')
    .values(workerIds.map((worker_id) => ({ worker_id, ...host, last_seen_at: sql`now()` })))
    .onConflict((oc) => oc.column('worker_id').doUpdateSet({ last_seen_at: sql`now()` }))
    .execute()
}

export async function forgetWorkers(db: Kysely<DB>, workerIds: string[]): Promise<void> {
  if (workerIds.length === 0) return
  await db.deleteFrom('worker_heartbeats').where('worker_id', 'in', workerIds).execute()
}

export async function countLiveWorkers(db: Kysely<DB>): Promise<number> {
  const row = await db
    .selectFrom('worker_heartbeats')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${WORKER_DEAD_AFTER_MS / 1000})`)
    .executeTakeFirstOrThrow()
  return row.n
}

export type DeadWorker = { worker_id: string; hostname: string; pid: number }

/**
 * Removes and returns the workers that stopped beating (killed, machine lost), with the process each
 * ran in. One on this machine whose process is gone is dead after two missed beats, not six: a
 * worker killed and restarted in place gets its jobs and rate-limit places back sooner.
 */
export async function takeDeadWorkers(db: Kysely<DB>, here: { hostname: string }): Promise<DeadWorker[]> {
  const late = sql<Date>`now() - make_interval(secs => ${(2 * HEARTBEAT_INTERVAL_MS) / 1000})`
  const stale = await db
    .selectFrom('worker_heartbeats')
    .select(['worker_id', 'hostname', 'pid', sql<boolean>`last_seen_at < now() - make_interval(secs => ${WORKER_DEAD_AFTER_MS / 1000})`.as('lapsed')])
    .where('last_seen_at', '<', late)
    .execute()
  const dead = stale.filter((w) => w.lapsed || (w.hostname === here.hostname && !isAlive(w.pid))).map((w) => w.worker_id)
  if (dead.length === 0) return []
  // A beat that arrived meanwhile keeps the worker alive.
  return db
    .deleteFrom('worker_heartbeats')
    .where('worker_id', 'in', dead)
    .where('last_seen_at', '<', late)
    .returning(['worker_id', 'hostname', 'pid'])
    .execute()
}
