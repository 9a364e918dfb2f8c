import { afterAll, afterEach, beforeEach, expect, test } from 'vitest'
import type { Deps } from '../src/deps'
import { notifyBatch } from '../src/generation/progress-channel'
import { MAX_STREAMS_PER_USER, progressHub } from '../src/generation/progress-hub'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import type { FakeAnthropic } from './fake-anthropic/server'
import { type App, form, json, makeUser, ORIGIN, signIn, useApp } from './helpers/app'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { makeTemplate, setAiSettings, useFakeAnthropic, viaFake, waitFor } from './helpers/generation'
import { readSse, type SseEvent, type SseStream } from './helpers/sse'

let database: TestDatabase
let fake: FakeAnthropic
let app: App
let deps: Deps
let editor: string
const workers: WorkerHandle[] = []
const streams: SseStream[] = []

useFakeAnthropic((f) => (fake = f))
useApp('editor', (t) => ({ database, app, deps, cookie: editor } = t), { env: () => viaFake(fake) })
afterAll(() => progressHub(database.pool, deps.log).close())
beforeEach(async () => {
  await emptyJobQueue(database)
  const admin = await makeUser(database, 'admin')
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, max_retries: 3 })
})

afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.cancel()))
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

async function startBatch(count: number): Promise<string> {
  const template = await makeTemplate(app, editor)
  const res = await app.request('/api/batches', json({ template_id: template.id, count_per_item: count }, { cookie: editor, origin: ORIGIN }))
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

/** Opens the batch page's event stream as the browser's EventSource does. */
async function openStream(id: string, cookie = editor): Promise<SseStream> {
  const res = await app.request(`/batches/${id}/events`, { headers: { cookie, accept: 'text/event-stream' } })
  expect(res.status).toBe(200)
  const stream = readSse(res)
  streams.push(stream)
  return stream
}

const count = (event: SseEvent, name: string) => Number(new RegExp(`data-count="${name}">([\\d,]+)<`).exec(event.data)?.[1]?.replace(/,/g, ''))

test('live progress keeps coming after Pause and Resume until the batch is done, then the stream ends', async () => {
  // One call at a time, so that the batch outlasts the streams the page had open before (about 20 s).
  const admin = await makeUser(database, 'admin')
  await setAiSettings(database, admin.id, { max_concurrency: 1 })
  fake.setDefaultDelay(600)
  const id = await startBatch(30)
  workers.push(await startWorker(deps, database.pool))

  // The page as first opened, until a few are done.
  const first = await openStream(id)
  await first.readUntil((e) => count(e, 'done') >= 2, 20_000)
  // Pause: the browser posts, leaves the page (its stream closes) and loads the paused page.
  expect((await app.request(`/batches/${id}/pause`, form({}, { cookie: editor }))).status).toBe(303)
  await first.cancel()
  const paused = await openStream(id)
  expect((await paused.next())!.data).toContain('data-status="paused"')
  // Resume, the same way.
  expect((await app.request(`/batches/${id}/resume`, form({}, { cookie: editor }))).status).toBe(303)
  await paused.cancel()
  const resumed = await openStream(id)

  const events = await resumed.readUntil((e) => e.event === 'end', 60_000)
  const progress = events.filter((e) => e.event === 'progress')
  expect(progress.at(-1)!.data).toContain('data-status="done"')
  expect(count(progress.at(-1)!, 'done')).toBe(30)
  // It kept updating all the way, not only at the end.
  expect(new Set(progress.map((e) => count(e, 'done'))).size).toBeGreaterThan(5)
  expect(events.at(-1)).toMatchObject({ event: 'end', data: 'finished' })
  expect(await resumed.next()).toBeUndefined()
}, 90_000)

test("a finished batch's stream sends its final state and ends", async () => {
  fake.setDefaultDelay(10)
  const id = await startBatch(2)
  workers.push(await startWorker(deps, database.pool))
  await waitFor(
    async () => (await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done',
    20_000,
    'the batch to finish',
  )

  const stream = await openStream(id)
  const state = await stream.next()
  expect(state!.event).toBe('progress')
  expect(state!.data).toContain('data-finished="true"')
  expect(await stream.next()).toMatchObject({ event: 'end', data: 'finished' })
  expect(await stream.next()).toBeUndefined()
})

test("a signed-out user's stream ends at the next change, without showing it", async () => {
  const id = await startBatch(3)
  const stream = await openStream(id)
  expect((await stream.next())!.event).toBe('progress')
  expect((await app.request('/logout', form({}, { cookie: editor }))).status).toBe(303)
  await notifyBatch(database.db, id)
  expect(await stream.next()).toMatchObject({ event: 'end', data: 'signed_out' })
  expect(await stream.next()).toBeUndefined()
})

test(`one user holds at most ${MAX_STREAMS_PER_USER} streams: a newer one ends the oldest, other users keep theirs`, async () => {
  const id = await startBatch(3)
  const other = await signIn(app, await makeUser(database, 'viewer'))
  const theirs = await openStream(id, other)
  expect((await theirs.next())!.event).toBe('progress')
  const mine: SseStream[] = []
  for (let i = 0; i < MAX_STREAMS_PER_USER + 1; i++) {
    const stream = await openStream(id)
    expect((await stream.next())!.event).toBe('progress')
    mine.push(stream)
  }
  expect(await mine[0]!.next()).toMatchObject({ event: 'end', data: 'replaced' })
  expect(await mine[0]!.next()).toBeUndefined()

  // Everyone else still hears of changes.
  await notifyBatch(database.db, id)
  for (const stream of [...mine.slice(1), theirs]) expect((await stream.next())!.event).toBe('progress')
})
