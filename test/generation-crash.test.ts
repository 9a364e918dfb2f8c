import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startFakeAnthropic, type FakeAnthropic } from './fake-anthropic/server'
import { createTestDatabase, type TestDatabase } from './helpers/db'
import { json, makeUser, ORIGIN, signIn, testApp } from './helpers/app'
import { makeTemplate, setAiSettings, waitFor } from './helpers/generation'
import { runApp, type AppProcess } from './helpers/process'

let database: TestDatabase
let fake: FakeAnthropic
const children: AppProcess[] = []

beforeAll(async () => {
  database = await createTestDatabase()
  fake = await startFakeAnthropic()
})

afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL')
  await fake.close()
  await database.drop()
})

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
  const count = async (status: string) =>
    Number((await database.db.selectFrom('conversations').select((eb) => eb.fn.countAll<number>().as('n')).where('batch_id', '=', id).where('status', '=', status as 'queued').executeTakeFirstOrThrow()).n)

  const first = startWorkerProcess()
  // Kill it while it is in the middle: some done, some calls in flight.
  await waitFor(async () => (await count('pending_review')) >= 2 && (await count('generating')) >= 1, 30_000, 'the first worker to be mid-batch')
  first.child.kill('SIGKILL')
  await first.exited
  const stranded = await count('generating')
  expect(stranded).toBeGreaterThan(0)

  startWorkerProcess()
  // The dead worker's jobs are unlocked by the heartbeat sweep (about 35 s), then finished.
  await waitFor(async () => {
    const batch = await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()
    return batch.status === 'done'
  }, 100_000, 'the batch to finish after the crash')

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
