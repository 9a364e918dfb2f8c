import { sql, type Kysely } from 'kysely'
import type { DB } from '../db/schema'

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

/** Removes and returns the workers that stopped beating (killed, machine lost), with the process each ran in. */
export async function takeDeadWorkers(db: Kysely<DB>): Promise<DeadWorker[]> {
  return db
    .deleteFrom('worker_heartbeats')
    .where('last_seen_at', '<', sql<Date>`now() - make_interval(secs => ${WORKER_DEAD_AFTER_MS / 1000})`)
    .returning(['worker_id', 'hostname', 'pid'])
    .execute()
}
