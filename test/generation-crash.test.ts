import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import type { ConversationStatus } from '../src/db/schema'
import type { FakeAnthropic } from './fake-anthropic/server'
import { json, makeUser, ORIGIN, signIn, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase } from './helpers/db'
import { makeTemplate, setAiSettings, useFakeAnthropic, waitFor } from './helpers/generation'
import { type AppProcess, runApp } from './helpers/process'

let database: TestDatabase
let fake: FakeAnthropic
const children: AppProcess[] = []

useFakeAnthropic((f) => (fake = f))
beforeAll(async () => {
  database = await createTestDatabase()
})
afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL')
  await database.drop()
})

afterEach(async () => {
  // Each test starts from no worker: the ones still running stop as a service manager stops them.
  for (const { child, exited } of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
})

async function countOf(batchId: string, status: ConversationStatus): Promise<number> {
  const row = await database.db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('batch_id', '=', batchId)
    .where('status', '=', status)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

const batchDone = async (batchId: string) =>
  (await database.db.selectFrom('batches').select('status').where('id', '=', batchId).executeTakeFirstOrThrow()).status === 'done'

/** A real worker process, as `npm start -- --role=worker` runs it (node itself, so a kill reaches the worker). */
function startWorkerProcess(): AppProcess {
  const worker = runApp(['start', '--role=worker'], {
    DATABASE_URL: database.url,
    ANTHROPIC_API_KEY: 'sk-test',
    ANTHROPIC_BASE_URL: fake.url,
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'train-data-worker-')),
    WORKER_CONCURRENCY: '4',
    LOG_LEVEL: 'error',
  })
  children.push(worker)
  return worker
}

test('a worker killed with SIGKILL mid-batch loses nothing: another worker finishes the batch and every conversation is generated exactly once', async () => {
  const { app } = testApp(database, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url })
  const admin = await makeUser(database, 'admin')
  const cookie = await signIn(app, admin)
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 20, timeout_ms: 5_000 })
  fake.setDefaultDelay(800)
  const template = await makeTemplate(app, cookie)
  const res = await app.request('/api/batches', json({ template_id: template.id, count_per_item: 16 }, { cookie, origin: ORIGIN }))
  expect(res.status).toBe(201)
  const { id } = (await res.json()) as { id: string }
  const count = (status: ConversationStatus) => countOf(id, status)

  const first = startWorkerProcess()
  // Kill it while it is in the middle: some done, some calls in flight.
  await waitFor(async () => (await count('pending_review')) >= 2 && (await count('generating')) >= 1, 30_000, 'the first worker to be mid-batch')
  first.child.kill('SIGKILL')
  await first.exited
  const stranded = await count('generating')
  expect(stranded).toBeGreaterThan(0)

  startWorkerProcess()
  // The dead worker's jobs are released by the heartbeat sweep (seconds on the same machine, 35 s from another), then finished.
  await waitFor(() => batchDone(id), 100_000, 'the batch to finish after the crash')

  const rows = await database.db.selectFrom('conversations').select(['id', 'status']).where('batch_id', '=', id).execute()
  expect(rows).toHaveLength(16)
  expect(rows.every((r) => r.status === 'pending_review')).toBe(true)
  const { rows: versions } = await sql<{ conversation_id: string; n: number }>`
    select conversation_id, count(*)::int as n from conversation_versions group by conversation_id`.execute(database.db)
  expect(versions).toHaveLength(16)
  expect(versions.every((v) => v.n === 1)).toBe(true)
  // Calls the killed worker had in flight are made again, never stored twice.
  expect(fake.requestCount).toBeGreaterThanOrEqual(16)
}, 150_000)

test('a worker killed with SIGKILL at 30 of 120 delays its batch by less than a minute: its jobs and rate-limit places are released, nothing is lost or made twice', async ({
  annotate,
}) => {
  const { app } = testApp(database, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url })
  const admin = await makeUser(database, 'admin')
  const cookie = await signIn(app, admin)
  // The default call timeout (120 s): a lease left by the killed worker would keep its place for 130 s.
  // One worker's concurrency is the whole limit, so the killed one held every place.
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 4, timeout_ms: 120_000 })
  fake.setDefaultDelay(400)
  const template = await makeTemplate(app, cookie)
  const res = await app.request('/api/batches', json({ template_id: template.id, count_per_item: 120 }, { cookie, origin: ORIGIN }))
  expect(res.status).toBe(201)
  const { id } = (await res.json()) as { id: string }

  const leases = async () => (await sql<{ n: number }>`select count(*)::int as n from claude_leases`.execute(database.db)).rows[0]!.n
  const first = startWorkerProcess()
  // Killed after 30, with a call in flight in every place of the limit: those places must come back.
  await waitFor(async () => (await countOf(id, 'pending_review')) >= 30 && (await leases()) === 4, 90_000, 'the first worker to finish 30')
  first.child.kill('SIGKILL')
  const killed = performance.now()
  await first.exited

  startWorkerProcess()
  await waitFor(() => batchDone(id), 120_000, 'the batch to finish after the kill')
  const seconds = (performance.now() - killed) / 1000
  await annotate(`the batch finished ${seconds.toFixed(1)} s after kill -9`)
  expect(seconds).toBeLessThan(60)

  const rows = await database.db.selectFrom('conversations').select('status').where('batch_id', '=', id).execute()
  expect(rows).toHaveLength(120)
  expect(rows.every((r) => r.status === 'pending_review')).toBe(true)
  const { rows: versions } = await sql<{ n: number }>`
    select count(*)::int as n from conversation_versions v join conversations c on c.id = v.conversation_id
    where c.batch_id = ${id}::uuid group by v.conversation_id`.execute(database.db)
  expect(versions).toHaveLength(120)
  expect(versions.every((v) => v.n === 1)).toBe(true)
}, 240_000)

test('SIGTERM to a worker in the middle of slow Claude calls stops it within 5 s: the calls go back to the queue and another worker makes each once', async () => {
  const { app } = testApp(database, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url })
  const admin = await makeUser(database, 'admin')
  const cookie = await signIn(app, admin)
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 20, timeout_ms: 120_000 })
  fake.setDefaultDelay(30_000)
  const template = await makeTemplate(app, cookie)
  const res = await app.request('/api/batches', json({ template_id: template.id, count_per_item: 6 }, { cookie, origin: ORIGIN }))
  const { id } = (await res.json()) as { id: string }

  const first = startWorkerProcess()
  await waitFor(async () => (await countOf(id, 'generating')) === 4, 60_000, 'four calls in flight')
  const sent = performance.now()
  first.child.kill('SIGTERM')
  const { code } = await first.exited
  expect(performance.now() - sent).toBeLessThan(5_000)
  expect(code).toBe(0)
  // Nothing is left generating, failed or holding a place in the limit.
  expect(await countOf(id, 'generating')).toBe(0)
  expect(await countOf(id, 'queued')).toBe(6)
  const { rows: leases } = await sql<{ n: number }>`select count(*)::int as n from claude_leases`.execute(database.db)
  expect(leases[0]!.n).toBe(0)

  fake.setDefaultDelay(50)
  startWorkerProcess()
  await waitFor(() => batchDone(id), 60_000, 'the batch to finish on the next worker')
  expect(await countOf(id, 'pending_review')).toBe(6)
  const { rows: versions } = await sql<{ n: number }>`
    select count(*)::int as n from conversation_versions v join conversations c on c.id = v.conversation_id
    where c.batch_id = ${id}::uuid group by v.conversation_id`.execute(database.db)
  expect(versions.map((v) => v.n)).toEqual([1, 1, 1, 1, 1, 1])
}, 120_000)
