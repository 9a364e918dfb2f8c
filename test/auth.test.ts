import { beforeAll, describe, expect, test } from 'vitest'
import { digest } from '../src/auth/secrets'
import { type App, form, json, makeUser, ORIGIN, signIn, testApp, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App

useApp((t) => ({ database, app } = t))

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
  await database.db
    .updateTable('sessions')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .execute()
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

test('a next that a browser would follow to another site is not followed after sign-in', async () => {
  const user = await makeUser(database, 'viewer')
  const page = await app.request('/login?next=/%09/evil.example/phish')
  expect(page.status).toBe(200)
  expect(await page.text()).not.toContain('evil.example')
  for (const next of [
    '/\t/evil.example/phish',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\\/evil.example',
    '/ \t/evil.example',
    '\t//evil.example',
    'javascript:alert(1)',
  ]) {
    const res = await app.request('/login', form({ email: user.email, password: user.password, next }))
    expect(res.status, JSON.stringify(next)).toBe(303)
    expect(res.headers.get('location'), JSON.stringify(next)).toBe('/')
  }
  const inside = await app.request('/login', form({ email: user.email, password: user.password, next: '/review?order=lowest&tier=T2#top' }))
  expect(inside.headers.get('location')).toBe('/review?order=lowest&tier=T2#top')
})

test('the session cookie is Secure when the first X-Forwarded-Proto hop is https, however many hops are listed', async () => {
  const user = await makeUser(database, 'viewer')
  for (const [proto, secure] of [
    ['https', true],
    ['https, http', true],
    ['https,https', true],
    ['http', false],
    ['http, https', false],
  ] as const) {
    const res = await app.request(
      '/login',
      form(
        { email: user.email, password: user.password },
        { 'x-forwarded-proto': proto, origin: proto.startsWith('https') ? 'https://localhost' : 'http://localhost' },
      ),
    )
    expect(res.status, proto).toBe(303)
    expect(/;\s*Secure/i.test(res.headers.get('set-cookie') ?? ''), proto).toBe(secure)
  }
})

test('a locked-out JSON client is told when to try again', async () => {
  const user = await makeUser(database, 'editor')
  for (let i = 0; i < 5; i++) await app.request('/login', form({ email: user.email, password: `nope-${i}-xx` }))
  const res = await app.request('/login', json({ email: user.email, password: user.password }, { origin: ORIGIN }))
  expect(res.status).toBe(429)
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(800)
  expect(await res.json()).toMatchObject({ error: { code: 'too_many_requests', message: expect.stringContaining('Too many failed sign-ins') } })
})

describe('behind a load balancer (TRUSTED_PROXIES)', () => {
  const PROXY = '10.0.0.2'
  let proxied: ReturnType<typeof testApp>['app']
  beforeAll(() => {
    proxied = testApp(database, { TRUSTED_PROXIES: '10.0.0.0/8, ::1' }).app
  })
  /** A sign-in arriving on a socket from `peer`, with the X-Forwarded-For the proxy would add. */
  const signInFrom = (peer: string, fields: Record<string, string>, forwardedFor?: string) =>
    proxied.request('/login', form(fields, forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}), { incoming: { socket: { remoteAddress: peer } } })
  const throttledKeys = async () => await database.db.selectFrom('login_throttle').select(['key', 'failures']).orderBy('key').execute()

  test('thirty failures from one address refuse its wrong passwords, never the right password of an account that is not locked', async () => {
    const user = await makeUser(database, 'editor')
    for (let i = 0; i < 30; i++) {
      const res = await signInFrom(PROXY, { email: `made-up-${i}@example.com`, password: 'guess-guess' }, '203.0.113.9')
      expect(res.status).toBe(401)
    }
    const wrong = await signInFrom(PROXY, { email: user.email, password: 'still guessing' }, '203.0.113.9')
    expect(wrong.status).toBe(429)
    expect(Number(wrong.headers.get('retry-after'))).toBeGreaterThan(800)
    const right = await signInFrom(PROXY, { email: user.email, password: user.password }, '203.0.113.9')
    expect(right.status).toBe(303)
    expect(right.headers.get('set-cookie')).toMatch(/^td_session=/)
    // Someone else behind the same load balancer is not affected at all.
    const neighbour = await signInFrom(PROXY, { email: user.email, password: 'a typo here' }, '203.0.113.10')
    expect(neighbour.status).toBe(401)
  })

  test('X-Forwarded-For is believed from a trusted proxy only', async () => {
    await signInFrom(PROXY, { email: 'a@example.com', password: 'guess-guess' }, '198.51.100.1, 203.0.113.9')
    await signInFrom('::ffff:10.1.2.3', { email: 'a@example.com', password: 'guess-guess' }, '203.0.113.9, 10.0.0.7')
    await signInFrom('::1', { email: 'a@example.com', password: 'guess-guess' }, 'not an address')
    // A client talking to us directly cannot choose the address its failures count against.
    await signInFrom('198.51.100.77', { email: 'a@example.com', password: 'guess-guess' }, '203.0.113.50')
    expect(await throttledKeys()).toEqual([
      { key: 'account:a@example.com', failures: 4 },
      { key: 'address:198.51.100.77', failures: 1 },
      { key: 'address:203.0.113.9', failures: 2 },
      { key: 'address:::1', failures: 1 },
    ])
  })
})
