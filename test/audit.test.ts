import { sql } from 'kysely'
import { expect, test } from 'vitest'
import { diff } from '../src/audit/changes'
import { activeReviewSettings } from '../src/review/settings'
import { type App, form, json, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let admin: TestUser
let cookie: string

useApp('admin', (t) => ({ database, app, user: admin, cookie } = t))

const audit = async (query = '') => (await app.request(`/api/admin/audit${query}`, { headers: { cookie } })).json()

test('a change of preferences is recorded with who, when, and the old and new values', async () => {
  await app.request('/api/me/preferences', json({ theme: 'dark' }, { cookie }, 'PUT'))
  const { items, next_cursor } = await audit('?type=preferences')
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

  expect((await audit(`?type=preferences&user_id=${other.id}`)).items).toHaveLength(1)
  expect((await audit('?type=ai_settings')).items).toHaveLength(0)
  const today = new Date().toISOString().slice(0, 10)
  expect((await audit(`?type=preferences&from=${today}`)).items).toHaveLength(3)
  const first = await audit('?type=preferences&limit=2')
  expect(first.items).toHaveLength(2)
  const rest = await audit(`?type=preferences&limit=2&cursor=${first.next_cursor}`)
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

test('an AI settings change is recorded, and rolling it back restores the old values as a new change', async () => {
  const before = await (await app.request('/api/settings/ai', { headers: { cookie } })).json()
  expect((await app.request('/api/settings/ai', json({ max_tokens: 2048, requests_per_minute: 7 }, { cookie }, 'PUT'))).status).toBe(200)
  const [change] = (await audit('?type=ai_settings')).items
  expect(change).toMatchObject({
    old_value: { max_tokens: before.max_tokens, requests_per_minute: before.requests_per_minute },
    new_value: { max_tokens: 2048, requests_per_minute: 7 },
  })

  const page = await (await app.request('/admin/audit', { headers: { cookie } })).text()
  expect(page).toContain(`/admin/audit/${change.id}/rollback`)
  const res = await app.request(`/admin/audit/${change.id}/rollback`, form({}, { cookie }))
  expect(res.status).toBe(303)
  const restored = await (await app.request('/api/settings/ai', { headers: { cookie } })).json()
  expect(restored).toMatchObject({ max_tokens: before.max_tokens, requests_per_minute: before.requests_per_minute })
  const [rollback] = (await audit('?type=ai_settings')).items
  expect(rollback).toMatchObject({ rolled_back_from: change.id, summary: 'AI settings rolled back', new_value: { max_tokens: before.max_tokens } })
})

test('review settings roll back too; preferences cannot be rolled back from the trail', async () => {
  await app.request(
    '/review/settings',
    form({ reasons: 'off_topic: Off topic\ntoo_long: Too long', auto_approve_above: '9', auto_reject_below: '' }, { cookie }),
  )
  await app.request('/review/settings', form({ reasons: 'off_topic: Off topic', auto_approve_above: '', auto_reject_below: '' }, { cookie }))
  const [latest] = (await audit('?type=review_settings')).items
  const api = await app.request(`/api/admin/audit/${latest.id}/rollback`, json({}, { cookie }))
  expect(api.status).toBe(200)
  expect(await api.json()).toMatchObject({ type: 'review_settings', rolled_back_from: latest.id })
  expect(await activeReviewSettings(database.db)).toMatchObject({
    autoApproveAbove: 9,
    reasons: [expect.objectContaining({ code: 'off_topic' }), expect.objectContaining({ code: 'too_long' })],
  })

  await app.request('/api/me/preferences', json({ theme: 'dark' }, { cookie }, 'PUT'))
  const [prefs] = (await audit('?type=preferences')).items
  const refused = await app.request(`/api/admin/audit/${prefs.id}/rollback`, json({}, { cookie }))
  expect(refused.status).toBe(409)
})

test('users and API tokens: who changed a role, and tokens created and revoked, never with the secret', async () => {
  const editor = await makeUser(database, 'editor')
  await app.request(`/settings/users/${editor.id}`, form({ role: 'reviewer', password: 'a brand new password' }, { cookie }))
  const [roleChange] = (await audit('?type=user')).items
  expect(roleChange).toMatchObject({
    user_id: admin.id,
    subject_id: editor.id,
    old_value: { role: 'editor', password: 'unchanged' },
    new_value: { role: 'reviewer', password: 'reset' },
  })

  const made = await (await app.request('/api/tokens', json({ name: 'ci' }, { cookie }))).json()
  await app.request(`/api/tokens/${made.id}`, { method: 'DELETE', headers: { cookie, origin: 'http://localhost' } })
  const tokens = (await audit('?type=api_token')).items
  expect(tokens.map((t: { summary: string }) => t.summary)).toEqual(['API token "ci" revoked', 'API token "ci" created'])
  expect(JSON.stringify(tokens)).not.toContain(made.token)
})
