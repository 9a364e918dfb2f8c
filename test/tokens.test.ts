import { expect, test } from 'vitest'
import { digest } from '../src/auth/secrets'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let editor: TestUser
let cookie: string

useApp('editor', (t) => ({ database, app, user: editor, cookie } = t))

async function newToken(scope: 'read' | 'write' = 'write'): Promise<{ id: string; token: string }> {
  const res = await app.request('/api/tokens', json({ name: 'pipeline', scope }, { cookie, origin: ORIGIN }))
  expect(res.status).toBe(201)
  return res.json()
}

test('a token is shown once on creation and stored only as a hash', async () => {
  const { id, token } = await newToken()
  expect(token).toMatch(/^td_[\w-]{40,}$/)
  const row = await database.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.token_hash).toBe(digest(token))
  expect(JSON.stringify(row)).not.toContain(token)
  const list = await app.request('/api/tokens', { headers: { cookie } })
  const body = await list.json()
  expect(JSON.stringify(body)).not.toContain(token)
  expect(body.items[0]).toMatchObject({ id, name: 'pipeline', scope: 'write', prefix: token.slice(0, 9) })
})

test('a bearer token authenticates API calls and records when it was last used', async () => {
  const { id, token } = await newToken()
  const res = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ id: editor.id, email: editor.email, name: '', role: 'editor' })
  const row = await database.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.last_used_at).toBeInstanceOf(Date)
})

test('a missing, invalid or revoked token gets a 401 with a clear message', async () => {
  const { id, token } = await newToken()
  const revoke = await app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN } })
  expect(revoke.status).toBe(204)
  for (const authorization of ['Bearer ', 'Bearer td_not-a-real-token', `Bearer ${token}`, 'Basic abc']) {
    const res = await app.request('/api/me', { headers: { authorization } })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'The API token is missing, invalid or revoked.' } })
  }
  expect((await app.request('/api/me')).status).toBe(401)
})

test('a read-only token can read but not write', async () => {
  const { token } = await newToken('read')
  const headers = { authorization: `Bearer ${token}` }
  expect((await app.request('/api/me', { headers })).status).toBe(200)
  const write = await app.request('/api/tokens', json({ name: 'escalate' }, headers))
  expect(write.status).toBe(403)
  expect((await write.json()).error.message).toBe('This API token is read-only.')
})

test('an internal portal can post a form with the token in a field, from any origin', async () => {
  const { token } = await newToken()
  const res = await app.request('/api/tokens', form({ api_token: token, name: 'from portal' }, { origin: 'https://portal.elsewhere.example' }))
  expect(res.status).toBe(201)
  expect(await res.json()).toMatchObject({ name: 'from portal' })
})

test('a disabled user\u2019s tokens stop working', async () => {
  const { token } = await newToken()
  await database.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', editor.id).execute()
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
})

const shownToken = (html: string) => /<input type="text" class="secret" id="new-token" value="(td_[\w-]+)"/.exec(html)?.[1]

test('the tokens page creates a token, shows it once, and revokes it', async () => {
  const created = await app.request('/settings/tokens', form({ name: 'notebook', scope: 'read' }, { cookie }))
  expect(created.status).toBe(303)
  expect(created.headers.get('location')).toBe('/settings/tokens')
  const shown = await app.request('/settings/tokens', { headers: { cookie } })
  expect(shown.headers.get('cache-control')).toBe('no-store')
  const token = shownToken(await shown.text())
  expect(token).toBeDefined()
  const page = await (await app.request('/settings/tokens', { headers: { cookie } })).text()
  expect(page).toContain('notebook')
  expect(page).not.toContain(token!)
  const { id } = await database.db.selectFrom('api_tokens').select('id').executeTakeFirstOrThrow()
  const revoked = await app.request(`/settings/tokens/${id}/revoke`, form({}, { cookie }))
  expect(revoked.status).toBe(303)
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)
})

test('a token without a name is refused and nothing is created', async () => {
  const res = await app.request('/api/tokens', json({ name: '  ' }, { cookie, origin: ORIGIN }))
  expect(res.status).toBe(400)
  expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', fields: { name: 'Give the token a name' } } })
  expect(await database.db.selectFrom('api_tokens').selectAll().execute()).toEqual([])
})

test('someone else\u2019s token cannot be revoked', async () => {
  const { id } = await newToken()
  const other = await makeUser(database, 'editor')
  const otherCookie = await signIn(app, other)
  const res = await app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: { cookie: otherCookie, origin: ORIGIN } })
  expect(res.status).toBe(404)
  const row = await database.db.selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.revoked_at).toBeNull()
})

test('a password reset revokes every token of that user, and only theirs', async () => {
  const { token } = await newToken()
  const other = await makeUser(database, 'editor')
  const otherToken = (await (await app.request('/api/tokens', json({ name: 'other' }, { cookie: await signIn(app, other), origin: ORIGIN }))).json()).token
  const adminCookie = await signIn(app, await makeUser(database, 'admin'))
  const reset = await app.request(`/settings/users/${editor.id}`, json({ password: 'a brand new password' }, { cookie: adminCookie, origin: ORIGIN }))
  expect(reset.status).toBe(200)

  const api = await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })
  expect(api.status).toBe(401)
  const rows = await database.db.selectFrom('api_tokens').select('revoked_at').where('user_id', '=', editor.id).execute()
  expect(rows.every((r) => r.revoked_at !== null)).toBe(true)
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${otherToken}` } })).status).toBe(200)
  // Other changes (a new name, a role) leave tokens alone.
  const { token: fresh } = await (
    await app.request(
      '/api/tokens',
      json({ name: 'after reset' }, { cookie: await signIn(app, { email: editor.email, password: 'a brand new password' }), origin: ORIGIN }),
    )
  ).json()
  await app.request(`/settings/users/${editor.id}`, json({ name: 'Renamed', role: 'reviewer' }, { cookie: adminCookie, origin: ORIGIN }))
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200)
})

test('an admin lists every user\u2019s tokens and revokes any of them, by API and from the users page', async () => {
  const first = await newToken()
  const second = await newToken('read')
  const admin = await makeUser(database, 'admin')
  const adminCookie = await signIn(app, admin)

  expect((await app.request('/api/admin/tokens', { headers: { cookie } })).status).toBe(403)
  const list = await app.request('/api/admin/tokens', { headers: { cookie: adminCookie } })
  expect(list.status).toBe(200)
  const body = await list.json()
  expect(JSON.stringify(body)).not.toContain(first.token)
  expect(body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: first.id, user_id: editor.id, user_email: editor.email, revoked_at: null }),
      expect.objectContaining({ id: second.id, user_id: editor.id, scope: 'read' }),
    ]),
  )

  const revoked = await app.request(`/api/tokens/${first.id}`, { method: 'DELETE', headers: { cookie: adminCookie, origin: ORIGIN } })
  expect(revoked.status).toBe(204)
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${first.token}` } })).status).toBe(401)

  const page = await app.request('/settings/users', { headers: { cookie: adminCookie } })
  const html = await page.text()
  expect(html).toContain(`action="/settings/users/tokens/${second.id}/revoke"`)
  expect(html).not.toContain(`/settings/users/tokens/${first.id}/revoke`)
  // Only an admin may use the page's revoke button.
  expect((await app.request(`/settings/users/tokens/${second.id}/revoke`, form({}, { cookie }))).status).toBe(403)
  const fromPage = await app.request(`/settings/users/tokens/${second.id}/revoke`, form({}, { cookie: adminCookie }))
  expect(fromPage.status).toBe(303)
  expect(fromPage.headers.get('location')).toBe('/settings/users?done=token_revoked')
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${second.token}` } })).status).toBe(401)
  expect((await app.request(`/settings/users/tokens/${second.id}/revoke`, form({}, { cookie: adminCookie }))).status).toBe(404)
})

test('reloading the tokens page after creating a token creates no second token and shows the first no more', async () => {
  const created = await app.request('/settings/tokens', form({ name: 'nightly export', scope: 'write' }, { cookie }))
  expect(created.status).toBe(303)
  const first = await app.request(created.headers.get('location')!, { headers: { cookie } })
  const token = shownToken(await first.text())
  expect(token).toMatch(/^td_/)
  const reload = await (await app.request('/settings/tokens', { headers: { cookie } })).text()
  expect(shownToken(reload)).toBeUndefined()
  expect(reload).toContain('nightly export')
  const rows = await database.db.selectFrom('api_tokens').select(['name', 'token_hash']).execute()
  expect(rows).toEqual([{ name: 'nightly export', token_hash: digest(token!) }])
  expect((await app.request('/api/me', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
})

test('a new token waits for its own session only, and never in plain text', async () => {
  const otherSession = await signIn(app, editor)
  await app.request('/settings/tokens', form({ name: 'ci', scope: 'read' }, { cookie }))
  const [waiting] = await database.db.selectFrom('token_reveals').select('sealed').execute()
  expect(waiting).toBeDefined()
  expect(shownToken(await (await app.request('/settings/tokens', { headers: { cookie: otherSession } })).text())).toBeUndefined()
  const token = shownToken(await (await app.request('/settings/tokens', { headers: { cookie } })).text())
  expect(token).toMatch(/^td_/)
  expect(waiting!.sealed).not.toContain(token!.slice(3))
  expect(await database.db.selectFrom('token_reveals').selectAll().execute()).toEqual([])
})
