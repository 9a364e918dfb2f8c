import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { diff } from '../src/audit/changes'
import { json, makeUser, signIn, type TestUser, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase, truncateAll } from './helpers/db'

let database: TestDatabase
let app: ReturnType<typeof testApp>['app']
let admin: TestUser
let cookie: string

beforeAll(async () => {
  database = await createTestDatabase()
  app = testApp(database).app
})
afterAll(() => database.drop())
beforeEach(async () => {
  await truncateAll(database)
  admin = await makeUser(database, 'admin')
  cookie = await signIn(app, admin)
})

const audit = async (query = '') => (await app.request(`/api/admin/audit${query}`, { headers: { cookie } })).json()

test('a change of preferences is recorded with who, when, and the old and new values', async () => {
  await app.request('/api/me/preferences', json({ theme: 'dark' }, { cookie }, 'PUT'))
  const { items, next_cursor } = await audit()
  expect(next_cursor).toBeNull()
  expect(items).toHaveLength(1)
  expect(items[0]).toMatchObject({ type: 'preferences', user_id: admin.id, subject_id: admin.id, old_value: { theme: 'system' }, new_value: { theme: 'dark' } })
  const page = await (await app.request('/admin/audit?type=preferences', { headers: { cookie } })).text()
  expect(page).toContain('<code>theme</code>')
  expect(page).toMatch(/<td class="before">system<\/td>\s*<td class="after">dark<\/td>/)
})

test('the trail filters by type, user and date range, and pages by cursor', async () => {
  const other = await makeUser(database, 'editor')
  const otherCookie = await signIn(app, other)
  for (const theme of ['dark', 'light', 'system']) await app.request('/api/me/preferences', json({ theme }, { cookie }, 'PUT'))
  await app.request('/api/me/preferences', json({ density: 'compact' }, { cookie: otherCookie }, 'PUT'))
  await database.db.updateTable('config_changes').set({ created_at: sql<Date>`now() - interval '3 days'` }).where('user_id', '=', other.id).execute()

  expect((await audit(`?user_id=${other.id}`)).items).toHaveLength(1)
  expect((await audit('?type=ai_settings')).items).toHaveLength(0)
  const today = new Date().toISOString().slice(0, 10)
  expect((await audit(`?from=${today}`)).items).toHaveLength(3)
  const first = await audit('?limit=2')
  expect(first.items).toHaveLength(2)
  const rest = await audit(`?limit=2&cursor=${first.next_cursor}`)
  expect([...first.items, ...rest.items].map((i: { id: string }) => i.id)).toHaveLength(4)
  expect(new Set([...first.items, ...rest.items].map((i: { id: string }) => i.id)).size).toBe(4)

  expect((await app.request('/api/admin/audit?type=nope', { headers: { cookie } })).status).toBe(400)
  expect((await app.request('/api/admin/audit?cursor=forged', { headers: { cookie } })).status).toBe(400)
  expect((await app.request('/api/admin/audit', { headers: { cookie: otherCookie } })).status).toBe(403)
})

test('the side-by-side view lists only what changed, nested fields by path', () => {
  expect(diff({ a: 1, b: { c: 2, d: 3 } }, { a: 1, b: { c: 5, d: 3 }, e: true })).toEqual([
    { field: 'b.c', before: '2', after: '5' },
    { field: 'e', before: '—', after: 'true' },
  ])
  expect(diff('editor', 'admin')).toEqual([{ field: 'value', before: 'editor', after: 'admin' }])
})

test('times on pages are shown in the time zone the user chose', async () => {
  await app.request('/api/me/preferences', json({ theme: 'dark' }, { cookie }, 'PUT'))
  const utc = await (await app.request('/admin/audit', { headers: { cookie } })).text()
  expect(utc).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)
  await app.request('/api/me/preferences', json({ timezone: 'Asia/Tokyo' }, { cookie }, 'PUT'))
  const tokyo = await (await app.request('/admin/audit', { headers: { cookie } })).text()
  expect(tokyo).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} GMT\+9/)
  expect(tokyo).not.toMatch(/\d{2}:\d{2} UTC/)
})
