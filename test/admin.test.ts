import { expect, test } from 'vitest'
import { verifyPassword } from '../src/auth/passwords'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let admin: TestUser
let cookie: string

useApp('admin', (t) => ({ database, app, user: admin, cookie } = t))

const userByEmail = (email: string) => database.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst()

test('an admin adds a user who can then sign in with the given role', async () => {
  const res = await app.request('/settings/users', form({ email: 'new@example.com', name: 'New', role: 'reviewer', password: 'welcome aboard' }, { cookie }))
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/settings/users?done=created')
  const page = await (await app.request('/settings/users?done=created', { headers: { cookie } })).text()
  expect(page).toContain('User added.')
  expect(page).toContain('new@example.com')
  const newCookie = await signIn(app, { email: 'new@example.com', password: 'welcome aboard' })
  expect(await (await app.request('/api/me', { headers: { cookie: newCookie } })).json()).toMatchObject({ role: 'reviewer' })
})

test('adding a user with a taken email or bad fields re-renders the form and adds nobody', async () => {
  const taken = await app.request('/settings/users', form({ email: admin.email.toUpperCase(), role: 'viewer', password: 'long enough' }, { cookie }))
  expect(taken.status).toBe(400)
  expect(await taken.text()).toContain('A user with this email already exists.')
  const bad = await app.request('/settings/users', form({ email: 'nope', role: 'overlord', password: 'x' }, { cookie }))
  expect(bad.status).toBe(400)
  const html = await bad.text()
  expect(html).toContain('Enter a valid email address')
  expect(html).toContain('Choose one of admin, editor, reviewer, viewer')
  expect(html).toContain('Use at least 8 characters')
  expect(await database.db.selectFrom('users').select('email').execute()).toHaveLength(1)
})

test('an admin changes a role, and the change applies to the user\u2019s next request', async () => {
  const user = await makeUser(database, 'viewer')
  const userCookie = await signIn(app, user)
  expect((await app.request('/generate', { headers: { cookie: userCookie } })).status).toBe(403)
  const res = await app.request(`/settings/users/${user.id}`, form({ role: 'editor' }, { cookie }))
  expect(res.status).toBe(303)
  expect((await userByEmail(user.email))?.role).toBe('editor')
  expect((await app.request('/generate', { headers: { cookie: userCookie } })).status).toBe(200)
})

test('a password reset replaces the hash and signs the user out everywhere', async () => {
  const user = await makeUser(database, 'editor')
  const userCookie = await signIn(app, user)
  const res = await app.request(`/settings/users/${user.id}`, form({ password: 'brand new secret' }, { cookie }))
  expect(res.status).toBe(303)
  const row = await userByEmail(user.email)
  expect(await verifyPassword('brand new secret', row!.password_hash)).toBe(true)
  expect((await app.request('/api/me', { headers: { cookie: userCookie } })).status).toBe(401)
  await signIn(app, { email: user.email, password: 'brand new secret' })
})

test('a disabled user can be enabled again', async () => {
  const user = await makeUser(database, 'viewer')
  await app.request(`/settings/users/${user.id}`, form({ disabled: 'true' }, { cookie }))
  expect((await userByEmail(user.email))?.disabled_at).toBeInstanceOf(Date)
  await app.request(`/settings/users/${user.id}`, form({ disabled: 'false' }, { cookie }))
  expect((await userByEmail(user.email))?.disabled_at).toBeNull()
  await signIn(app, user)
})

test('the only active admin cannot be demoted or disabled', async () => {
  for (const change of [{ role: 'viewer' }, { disabled: 'true' }] as Record<string, string>[]) {
    const res = await app.request(`/settings/users/${admin.id}`, form(change, { cookie }))
    expect(res.status).toBe(409)
    expect(await res.text()).toContain('This is the only active admin')
  }
  const api = await app.request(`/settings/users/${admin.id}`, json({ role: 'viewer' }, { cookie, origin: ORIGIN }))
  expect(api.status).toBe(409)
  expect((await userByEmail(admin.email))?.role).toBe('admin')
  // With a second admin, the first may step down.
  await makeUser(database, 'admin')
  expect((await app.request(`/settings/users/${admin.id}`, form({ role: 'editor' }, { cookie }))).status).toBe(303)
})

test('changing an unknown user is a 404 and an invalid change a 400', async () => {
  const missing = await app.request('/settings/users/00000000-0000-4000-8000-000000000000', form({ role: 'viewer' }, { cookie }))
  expect(missing.status).toBe(404)
  const user = await makeUser(database, 'viewer')
  const invalid = await app.request(`/settings/users/${user.id}`, form({ role: 'emperor' }, { cookie }))
  expect(invalid.status).toBe(400)
  expect((await userByEmail(user.email))?.role).toBe('viewer')
})

test('every settings page carries one settings navigation, with users and review settings for admins only', async () => {
  const editor = await makeUser(database, 'editor')
  const editorCookie = await signIn(app, editor)
  const nav = (html: string) => html.match(/<nav class="subnav" aria-label="Settings">.*?<\/nav>/s)?.[0] ?? ''
  for (const path of ['/settings/tokens', '/settings/ai', '/settings/users']) {
    const adminNav = nav(await (await app.request(path, { headers: { cookie } })).text())
    expect(adminNav).toContain(`<a href="${path}" aria-current="page">`)
    expect(adminNav).toContain('href="/settings/users"')
    expect(adminNav).toContain('href="/review/settings"')
  }
  const editorNav = nav(await (await app.request('/settings/ai', { headers: { cookie: editorCookie } })).text())
  expect(editorNav).toContain('href="/settings/tokens"')
  expect(editorNav).not.toContain('href="/settings/users"')
  expect(editorNav).not.toContain('href="/review/settings"')
})

test('a result message is chosen by its code only: an unknown code, even one every object has, shows none', async () => {
  for (const done of ['constructor', 'toString', 'nope']) {
    const html = await (await app.request(`/settings/users?done=${done}`, { headers: { cookie } })).text()
    expect(html).not.toContain('class="notice"')
  }
  expect(await (await app.request('/settings/users?done=updated', { headers: { cookie } })).text()).toContain(
    '<p class="notice" role="status">User updated.</p>',
  )
})
