import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { digest } from '../src/auth/secrets'
import { createTestDatabase, truncateAll, type TestDatabase } from './helpers/db'
import { form, makeUser, signIn, testApp } from './helpers/app'

let database: TestDatabase
let app: ReturnType<typeof testApp>['app']

beforeAll(async () => {
  database = await createTestDatabase()
  app = testApp(database).app
})
afterAll(() => database.drop())
beforeEach(() => truncateAll(database))

test('signing in sets an HttpOnly, SameSite=Lax session cookie and redirects to the dashboard', async () => {
  const user = await makeUser(database, 'editor')
  const res = await app.request('/login', form({ email: user.email.toUpperCase(), password: user.password }))
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/')
  const cookie = res.headers.get('set-cookie') ?? ''
  expect(cookie).toMatch(/^td_session=[\w-]{40,};/)
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/SameSite=Lax/)
  const secret = cookie.split(';')[0]!.split('=')[1]!
  // Only the digest is stored, never the cookie value itself.
  const stored = await database.db.selectFrom('sessions').select('id').execute()
  expect(stored).toEqual([{ id: digest(secret) }])

  const page = await app.request('/', { headers: { cookie: cookie.split(';')[0]! } })
  expect(page.status).toBe(200)
  expect(await page.text()).toContain(user.email)
})

test('a wrong password and an unknown user get the same refusal and no session', async () => {
  const user = await makeUser(database, 'viewer')
  for (const attempt of [
    { email: user.email, password: 'wrong password' },
    { email: 'nobody@example.com', password: 'whatever1' },
  ]) {
    const res = await app.request('/login', form(attempt))
    expect(res.status).toBe(401)
    expect(res.headers.get('set-cookie')).toBeNull()
    expect(await res.text()).toContain('Email or password is incorrect.')
  }
  expect(await database.db.selectFrom('sessions').selectAll().execute()).toEqual([])
})

test('a disabled user cannot sign in, and disabling ends their sessions', async () => {
  const admin = await makeUser(database, 'admin')
  const user = await makeUser(database, 'reviewer')
  const userCookie = await signIn(app, user)
  const adminCookie = await signIn(app, admin)
  const res = await app.request(`/settings/users/${user.id}`, form({ disabled: 'true' }, { cookie: adminCookie }))
  expect(res.status).toBe(303)

  expect((await app.request('/', { headers: { cookie: userCookie } })).headers.get('location')).toBe('/login')
  const again = await app.request('/login', form({ email: user.email, password: user.password }))
  expect(again.status).toBe(403)
  expect(await again.text()).toContain('This account is disabled')
})

test('an expired session is treated as signed out', async () => {
  const user = await makeUser(database, 'viewer')
  const cookie = await signIn(app, user)
  await database.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).execute()
  const res = await app.request('/', { headers: { cookie } })
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/login')
  const api = await app.request('/api/me', { headers: { cookie } })
  expect(api.status).toBe(401)
  expect(await api.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('Sign in') } })
})

test('signing out deletes the session and clears the cookie', async () => {
  const user = await makeUser(database, 'viewer')
  const cookie = await signIn(app, user)
  const res = await app.request('/logout', form({}, { cookie }))
  expect(res.status).toBe(303)
  expect(res.headers.get('set-cookie')).toMatch(/td_session=;.*Max-Age=0/)
  expect(await database.db.selectFrom('sessions').selectAll().execute()).toEqual([])
  expect((await app.request('/', { headers: { cookie } })).status).toBe(303)
})

test('repeated failures lock the account for a while, even with the right password', async () => {
  const user = await makeUser(database, 'editor')
  for (let i = 0; i < 5; i++) {
    expect((await app.request('/login', form({ email: user.email, password: `nope-${i}-xx` }))).status).toBe(401)
  }
  const locked = await app.request('/login', form({ email: user.email, password: user.password }))
  expect(locked.status).toBe(429)
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800)
  expect(await locked.text()).toContain('Too many failed sign-ins')
  // Another account from the same place is not locked by this one.
  const other = await makeUser(database, 'editor')
  expect((await app.request('/login', form({ email: other.email, password: other.password }))).status).toBe(303)
})

test('the login page only redirects to paths on this site', async () => {
  const user = await makeUser(database, 'viewer')
  const inside = await app.request('/login', form({ email: user.email, password: user.password, next: '/settings/tokens' }))
  expect(inside.headers.get('location')).toBe('/settings/tokens')
  for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
    const res = await app.request('/login', form({ email: user.email, password: user.password, next }))
    expect(res.headers.get('location')).toBe('/')
  }
})

test('a page needing sign-in sends the browser to the login page and back', async () => {
  const res = await app.request('/settings/tokens?x=1')
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/login?next=%2Fsettings%2Ftokens%3Fx%3D1')
})

test('malformed login fields re-render the form with a message per field', async () => {
  await makeUser(database, 'viewer')
  const res = await app.request('/login', form({ email: '', password: '' }))
  expect(res.status).toBe(400)
  const html = await res.text()
  expect(html).toContain('Enter your email')
  expect(html).toContain('Enter your password')
})
