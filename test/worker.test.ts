import { spawnSync } from 'node:child_process'
import os from 'node:os'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, test, vi } from 'vitest'
import { createSession } from '../src/auth/sessions'
import { createLogger } from '../src/log'
import { startWorker } from '../src/worker/runner'
import { makeUser, testConfig } from './helpers/app'
import { createTestDatabase, type TestDatabase } from './helpers/db'

let database: TestDatabase

beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(() => database.drop())

const WAIT = { timeout: 20_000, interval: 100 }
const jobs = () => sql<{ id: string; locked_by: string | null }>`select id, locked_by from graphile_worker._private_jobs`.execute(database.db)

test('the worker runs queued jobs: cleanup_sessions removes expired sessions and keeps live ones', async () => {
  const user = await makeUser(database, 'viewer')
  await createSession(database.db, user.id, -1000, { ip: null, userAgent: null })
  await createSession(database.db, user.id, 60_000, { ip: null, userAgent: null })
  const worker = await startWorker({ db: database.db, config: testConfig(database), log: createLogger('silent') }, database.pool)
  try {
    await sql`select graphile_worker.add_job('cleanup_sessions')`.execute(database.db)
    await vi.waitFor(async () => expect((await jobs()).rows).toEqual([]), WAIT)
    const left = await database.db.selectFrom('sessions').select('expires_at').execute()
    expect(left).toHaveLength(1)
    expect(left[0]!.expires_at.getTime()).toBeGreaterThan(Date.now())
    // A live worker reports in, which is what /readyz looks for.
    const beats = await database.db.selectFrom('worker_heartbeats').select('worker_id').execute()
    expect(beats.length).toBeGreaterThan(0)
  } finally {
    await worker.stop()
  }
  expect(await database.db.selectFrom('worker_heartbeats').selectAll().execute()).toEqual([])
})

test('jobs locked by a worker that stopped reporting are unlocked and run, without waiting hours', async () => {
  await sql`select graphile_worker.add_job('cleanup_sessions')`.execute(database.db)
  // A worker that died (kill -9, lost machine) mid-job: its lock stays, its heartbeat went stale.
  await sql`update graphile_worker._private_jobs set locked_by = 'dead-worker', locked_at = now()`.execute(database.db)
  await database.db
    .insertInto('worker_heartbeats')
    .values({ worker_id: 'dead-worker', hostname: 'gone', pid: 1, last_seen_at: new Date(Date.now() - 120_000) })
    .execute()
  const worker = await startWorker({ db: database.db, config: testConfig(database), log: createLogger('silent') }, database.pool)
  try {
    await vi.waitFor(async () => expect((await jobs()).rows).toEqual([]), WAIT)
    expect(await database.db.selectFrom('worker_heartbeats').select('worker_id').where('worker_id', '=', 'dead-worker').execute()).toEqual([])
  } finally {
    await worker.stop()
  }
})

test('a stopping worker lets its running job finish before it returns', async () => {
  const user = await makeUser(database, 'viewer')
  await createSession(database.db, user.id, -1000, { ip: null, userAgent: null })
  // Holding the expired session's row keeps cleanup_sessions running (its delete waits) until we let go.
  const holder = await database.pool.connect()
  const worker = await startWorker({ db: database.db, config: testConfig(database), log: createLogger('silent') }, database.pool)
  let stopped: Promise<void> | undefined
  try {
    await holder.query('begin')
    await holder.query('select id from sessions where expires_at <= now() for update')
    await sql`select graphile_worker.add_job('cleanup_sessions')`.execute(database.db)
    const waiting = `select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike 'delete from "sessions"%'`
    await vi.waitFor(async () => expect((await database.pool.query(waiting)).rows).toHaveLength(1), WAIT)
    stopped = worker.stop()
    await new Promise((r) => setTimeout(r, 200))
  } finally {
    await holder.query('commit')
    holder.release()
    await (stopped ?? worker.stop())
  }
  // The job ran to its end: the expired session is gone and the job is no longer queued or locked.
  expect(await database.db.selectFrom('sessions').select('id').where('expires_at', '<=', new Date()).execute()).toEqual([])
  expect((await jobs()).rows).toEqual([])
})

test("a worker on this machine whose process is gone is dead after two missed beats, one elsewhere only after 30 s; a dead one's rate-limit leases go with it", async () => {
  const gone = spawnSync('true').pid! // a process of this machine that has exited
  const seen = new Date(Date.now() - 15_000)
  await database.db
    .insertInto('worker_heartbeats')
    .values([
      { worker_id: 'gone-here', hostname: os.hostname(), pid: gone, last_seen_at: seen },
      { worker_id: 'quiet-elsewhere', hostname: 'another-machine', pid: gone, last_seen_at: seen },
    ])
    .execute()
  const inTenMinutes = new Date(Date.now() + 600_000)
  await database.db
    .insertInto('claude_leases')
    .values([
      { holder: `${os.hostname()}:${gone}`, expires_at: inTenMinutes },
      { holder: `another-machine:${gone}`, expires_at: inTenMinutes },
    ])
    .execute()
  const worker = await startWorker({ db: database.db, config: testConfig(database), log: createLogger('silent') }, database.pool)
  try {
    const beating = async () => (await database.db.selectFrom('worker_heartbeats').select('worker_id').execute()).map((w) => w.worker_id)
    await vi.waitFor(async () => expect(await beating()).not.toContain('gone-here'), WAIT)
    expect(await beating()).toContain('quiet-elsewhere')
    const leases = await database.db.selectFrom('claude_leases').select('holder').execute()
    expect(leases.map((l) => l.holder)).toEqual([`another-machine:${gone}`])
  } finally {
    await worker.stop()
    await database.db.deleteFrom('worker_heartbeats').execute()
    await database.db.deleteFrom('claude_leases').execute()
  }
})
