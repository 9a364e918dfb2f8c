import { sql } from 'kysely'
import { afterAll, afterEach, expect, test, vi } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import type { Deps } from '../src/deps'
import { finishExport } from '../src/exports/queries'
import { finishBatchIfComplete } from '../src/generation/batches/completion'
import { progressHub } from '../src/generation/progress-hub'
import { notify, notifyReviewNeeded } from '../src/notifications/notify'
import { type App, form, json, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { readSse, type SseStream } from './helpers/sse'

let database: TestDatabase
let app: App
let deps: Deps
let user: TestUser
let cookie: string
const streams: SseStream[] = []

useApp('reviewer', (t) => ({ database, app, deps, user, cookie } = t))
afterAll(() => progressHub(database.pool, deps.log).close())
afterEach(async () => {
  await Promise.all(streams.splice(0).map((s) => s.cancel()))
})

const listeners = async () =>
  (await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`.execute(database.db))
    .rows[0]!.n

const list = async (c = cookie) => (await app.request('/api/notifications', { headers: { cookie: c } })).json()

test('a finished batch tells whoever started it, with a link to review what it made', async () => {
  await seedConversations(database.db, { count: 20 })
  const batch = await database.db.selectFrom('batches').select('id').limit(1).executeTakeFirstOrThrow()
  await database.db.updateTable('batches').set({ status: 'running', created_by: user.id }).where('id', '=', batch.id).execute()
  await database.db.updateTable('conversations').set({ status: 'pending_review' }).where('batch_id', '=', batch.id).execute()
  expect(await finishBatchIfComplete(database.db, batch.id)).toBe(true)
  const { items, unread } = await list()
  expect(unread).toBe(1)
  expect(items[0]).toMatchObject({ kind: 'batch_done', link: `/review?batch_id=${batch.id}`, read_at: null })
  expect(items[0].message).toMatch(/finished: \d+ conversations wait for review\./)
})

test('a finished export tells whoever asked for it, with its download; a user who turned that off is not told', async () => {
  const exportOf = async (createdBy: string) =>
    (
      await database.db
        .insertInto('exports')
        .values({ format: 'openai', scope: '{}', options: '{}', status: 'running', created_by: createdBy })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  const result = {
    count: 3,
    bytes: 10,
    sha256: 'x',
    files: [],
    report: { total: 3, written: 3, invalid_count: 0, invalid: [], warnings: [], largest_example_tokens: 10 },
    durationMs: 1,
    expiresAt: new Date(Date.now() + 86_400_000),
  }
  const id = await exportOf(user.id)
  await finishExport(database.db, id, result)
  expect((await list()).items[0]).toMatchObject({ kind: 'export_ready', link: `/api/exports/${id}/download` })

  const quiet = await makeUser(database, 'editor')
  const quietCookie = await signIn(app, quiet)
  await app.request('/api/me/preferences', json({ notify: { export_ready: false } }, { cookie: quietCookie }, 'PUT'))
  await finishExport(database.db, await exportOf(quiet.id), result)
  expect((await list(quietCookie)).items).toEqual([])
})

test('reviewers whose threshold the queue passed are told, at most once an hour', async () => {
  await seedConversations(database.db, { count: 40 })
  await app.request('/api/me/preferences', json({ notify: { review_needed: 1 } }, { cookie }, 'PUT'))
  expect(await notifyReviewNeeded(database.db)).toBe(1)
  expect(await notifyReviewNeeded(database.db)).toBe(0)
  expect((await list()).items[0]).toMatchObject({ kind: 'review_needed', link: '/review' })
})

test("the header counts unread notifications; reading one follows its link; another user's is not found", async () => {
  await notify(database.db, { userId: user.id, kind: 'batch_done', message: 'Batch "a" finished.', link: '/review?batch_id=x' })
  await notify(database.db, { userId: user.id, kind: 'batch_done', message: 'Batch "b" finished.', link: '/review' })
  const page = await (await app.request('/', { headers: { cookie } })).text()
  expect(page).toMatch(/<span id="unread-count" class="count">2<\/span>/)
  const [latest] = (await list()).items
  const read = await app.request(`/notifications/${latest.id}/read`, form({}, { cookie }))
  expect(read.status).toBe(303)
  expect(read.headers.get('location')).toBe('/review')
  expect((await list()).unread).toBe(1)

  const other = await signIn(app, await makeUser(database, 'viewer'))
  expect((await app.request(`/api/notifications/${latest.id}/read`, json({}, { cookie: other }))).status).toBe(404)
  expect((await app.request('/api/notifications/read-all', json({}, { cookie }))).status).toBe(200)
  expect((await list()).unread).toBe(0)
})

test('when a batch finishes, its notification reaches the open page of whoever started it over its one live stream', async () => {
  await seedConversations(database.db, { count: 20 })
  const batch = await database.db.selectFrom('batches').select('id').limit(1).executeTakeFirstOrThrow()
  await database.db.updateTable('batches').set({ status: 'running', created_by: user.id }).where('id', '=', batch.id).execute()
  await database.db.updateTable('conversations').set({ status: 'pending_review' }).where('batch_id', '=', batch.id).execute()
  const res = await app.request('/notifications/stream', { headers: { cookie, accept: 'text/event-stream' } })
  expect(res.status).toBe(200)
  const stream = readSse(res)
  streams.push(stream)
  // The stream is listening once the hub has subscribed it (its LISTEN connection is up).
  await vi.waitFor(async () => expect(await listeners()).toBe(1))
  await finishBatchIfComplete(database.db, batch.id)
  const event = await stream.next(5_000)
  expect(event?.event).toBe('notification')
  expect(JSON.parse(event!.data)).toMatchObject({ unread: 1, latest: { kind: 'batch_done', link: `/review?batch_id=${batch.id}` } })
})
