import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest'
import { createApp } from '../src/app'
import { connect } from '../src/db/connect'
import { createLogger } from '../src/log'
import { beat } from '../src/worker/heartbeats'
import { form, json, makeUser, ORIGIN, signIn, testApp, testConfig } from './helpers/app'
import { createTestDatabase, type TestDatabase, truncateAll } from './helpers/db'
import { startTcpProxy } from './helpers/tcp-proxy'

let database: TestDatabase
let app: ReturnType<typeof testApp>['app']

beforeAll(async () => {
  database = await createTestDatabase()
  app = testApp(database, { ALLOWED_ORIGINS: 'https://portal.example.com', MAX_BODY_BYTES: '2048' }).app
})
afterAll(() => database.drop())
beforeEach(() => truncateAll(database))

test('an unknown page is a 404 page for browsers and a JSON error for API clients', async () => {
  const cookie = await signIn(app, await makeUser(database, 'viewer'))
  const page = await app.request('/no/such/page', { headers: { cookie } })
  expect(page.status).toBe(404)
  expect(page.headers.get('content-type')).toMatch(/text\/html/)
  expect(await page.text()).toContain('Page not found')
  const api = await app.request('/api/nothing-here', { headers: { cookie } })
  expect(api.status).toBe(404)
  expect(await api.json()).toEqual({ error: { code: 'not_found', message: 'There is nothing at /api/nothing-here.' } })
})

test('a cross-origin form post is refused unless the origin is allowed', async () => {
  const user = await makeUser(database, 'editor')
  const cookie = await signIn(app, user)
  const evil = await app.request('/settings/tokens', form({ name: 'x' }, { cookie, origin: 'https://evil.example' }))
  expect(evil.status).toBe(403)
  expect(await evil.text()).toContain('posted from a site that is not allowed')
  const noOrigin = await app.request('/settings/tokens', {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'name=x',
  })
  expect(noOrigin.status).toBe(403)
  expect(await database.db.selectFrom('api_tokens').selectAll().execute()).toEqual([])

  const portal = await app.request('/settings/tokens', form({ name: 'from portal' }, { cookie, origin: 'https://portal.example.com' }))
  expect(portal.status).toBe(303)
  // Login is protected too: no signing people in from another site.
  const login = await app.request('/login', form({ email: user.email, password: user.password }, { origin: 'https://evil.example' }))
  expect(login.status).toBe(403)
})

test('a cookie-authenticated write from a foreign origin is refused whatever its content type; a bearer token is not checked', async () => {
  const cookie = await signIn(app, await makeUser(database, 'editor'))
  const tokens = () => database.db.selectFrom('api_tokens').select('name').orderBy('name').execute()
  const refused = [
    json({ name: 'evil json' }, { cookie, origin: 'https://evil.example' }),
    json({ name: 'evil metadata' }, { cookie, 'sec-fetch-site': 'cross-site' }),
    json({ name: 'evil null' }, { cookie, origin: 'null' }),
    { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-json-anything' }, body: '{"name":"odd type"}' },
  ]
  for (const init of refused) {
    const res = await app.request('/api/tokens', init)
    expect(res.status, String(init.body)).toBe(403)
    expect((await res.json()).error.message).toContain('posted from a site that is not allowed')
  }
  expect(await tokens()).toEqual([])

  const own = await app.request('/api/tokens', json({ name: 'own' }, { cookie, origin: ORIGIN, 'sec-fetch-site': 'same-origin' }))
  expect(own.status).toBe(201)
  const { id, token } = await own.json()
  const portal = await app.request('/api/tokens', json({ name: 'portal' }, { cookie, origin: 'https://portal.example.com', 'sec-fetch-site': 'cross-site' }))
  expect(portal.status).toBe(201)
  // A script with the cookie and no browser headers at all is not a cross-site page.
  expect((await app.request('/api/tokens', json({ name: 'script' }, { cookie }))).status).toBe(201)
  // Other unsafe methods too.
  const deleted = await app.request(`/api/tokens/${id}`, { method: 'DELETE', headers: { cookie, origin: 'https://evil.example' } })
  expect(deleted.status).toBe(403)
  // A bearer token carries no ambient authority, so where it comes from does not matter.
  const bearer = await app.request(
    '/api/tokens',
    json({ name: 'bearer' }, { authorization: `Bearer ${token}`, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }),
  )
  expect(bearer.status).toBe(201)
  expect((await tokens()).map((t) => t.name)).toEqual(['bearer', 'own', 'portal', 'script'])
})

test('a viewer cannot use an admin route, by page or by API', async () => {
  const viewer = await makeUser(database, 'viewer')
  const cookie = await signIn(app, viewer)
  const page = await app.request('/settings/users', { headers: { cookie } })
  expect(page.status).toBe(403)
  expect(await page.text()).toContain('Your role (viewer) does not allow this.')
  const post = await app.request('/settings/users', form({ email: 'x@example.com', role: 'admin', password: 'password123' }, { cookie }))
  expect(post.status).toBe(403)
  expect(await database.db.selectFrom('users').select('email').where('email', '=', 'x@example.com').execute()).toEqual([])
  const editorPage = await app.request('/generate', { headers: { cookie } })
  expect(editorPage.status).toBe(403)
})

test('an oversized body gets a clear 413 and changes nothing', async () => {
  const cookie = await signIn(app, await makeUser(database, 'editor'))
  const res = await app.request('/api/tokens', json({ name: 'x'.repeat(5000) }, { cookie, origin: ORIGIN }))
  expect(res.status).toBe(413)
  expect(await res.json()).toEqual({
    error: { code: 'payload_too_large', message: 'The request body is larger than the 2 KiB this server accepts.' },
  })
  expect(await database.db.selectFrom('api_tokens').selectAll().execute()).toEqual([])
})

test('an oversized form post gets a 413 page that keeps the navigation of the signed-in user', async () => {
  const cookie = await signIn(app, await makeUser(database, 'editor'))
  const res = await app.request('/settings/tokens', form({ name: 'x'.repeat(5000) }, { cookie }))
  expect(res.status).toBe(413)
  const page = await res.text()
  expect(page).toContain('The request body is larger than the 2 KiB this server accepts.')
  expect(page).toContain('aria-label="Main"')
  expect(page).toContain('Sign out')
})

test('an htmx request that fails gets the message as a fragment for #main, not a second page inside the page', async () => {
  const cookie = await signIn(app, await makeUser(database, 'viewer'))
  const res = await app.request('/?quality_min=8&quality_max=2', { headers: { cookie, 'hx-request': 'true' } })
  expect(res.status).toBe(400)
  expect(res.headers.get('hx-retarget')).toBe('#main')
  expect(res.headers.get('hx-reswap')).toBe('innerHTML')
  const html = await res.text()
  expect(html).toContain('quality_max')
  expect(html).not.toContain('<html')
  expect(html).not.toContain('class="topbar"')
})

test('an error answers JSON clients with its details and the headers it implies', async () => {
  const cookie = await signIn(app, await makeUser(database, 'viewer'))
  const res = await app.request('/api/conversations?quality_min=8&quality_max=2', { headers: { cookie } })
  expect(res.status).toBe(400)
  const body = await res.json()
  expect(body.error.code).toBe('validation_failed')
  expect(Object.keys(body.error.fields)).toContain('quality_max')
})

test('a body that is not JSON gets a 400 that says so', async () => {
  const cookie = await signIn(app, await makeUser(database, 'editor'))
  const res = await app.request('/api/tokens', { method: 'POST', headers: { cookie, origin: ORIGIN, 'content-type': 'application/json' }, body: '{"name":' })
  expect(res.status).toBe(400)
  expect((await res.json()).error.message).toBe('The request body is not valid JSON.')
})

test('pages are compressed and carry security headers', async () => {
  const cookie = await signIn(app, await makeUser(database, 'viewer'))
  const res = await app.request('/', { headers: { cookie, 'accept-encoding': 'gzip' } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-encoding')).toBe('gzip')
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('x-frame-options')).toBe('DENY')
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
})

test('htmx, hotkeys-js and Chart.js are served by the app itself, without signing in', async () => {
  for (const [path, marker] of [
    ['/vendor/htmx.min.js', 'htmx'],
    ['/vendor/hotkeys.min.js', 'hotkeys'],
    ['/vendor/chart.umd.min.js', 'Chart.js v4'],
    ['/static/charts.js', 'application/json'],
    ['/static/app.js', 'hotkeys'],
    ['/static/app.css', 'topbar'],
  ] as const) {
    const res = await app.request(path)
    expect(res.status, path).toBe(200)
    expect(await res.text()).toContain(marker)
  }
  expect((await app.request('/static/..%2Fpackage.json')).status).not.toBe(200)
})

test('the layout shows the navigation the role allows and the simulator banner', async () => {
  const cookie = await signIn(app, await makeUser(database, 'reviewer'))
  const html = await (await app.request('/', { headers: { cookie } })).text()
  expect(html).toContain('href="/review"')
  expect(html).not.toContain('href="/generate"')
  expect(html).toContain('Simulator mode')
})

test('healthz answers while the process is up; readyz needs the database, migrations and a live worker', async () => {
  expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' })
  const notReady = await app.request('/readyz')
  expect(notReady.status).toBe(503)
  expect((await notReady.json()).checks.worker.ok).toBe(false)
  await beat(database.db, ['test-worker'], { hostname: 'test', pid: 1 })
  const ready = await app.request('/readyz')
  expect(ready.status).toBe(200)
  expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } } })
})

test('when the database goes away mid-flight, requests get a 503 and the process recovers when it returns', async () => {
  const user = await makeUser(database, 'viewer')
  const target = new URL(database.url)
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
  const proxied = new URL(database.url)
  proxied.port = String(proxy.port)
  const log = createLogger('silent')
  const viaProxy = connect(proxied.toString(), log, 4)
  const proxiedApp = createApp({ db: viaProxy.db, config: testConfig(database), log })
  try {
    const cookie = await signIn(proxiedApp, user)
    expect((await proxiedApp.request('/', { headers: { cookie } })).status).toBe(200)

    proxy.cut()
    const page = await proxiedApp.request('/', { headers: { cookie } })
    expect(page.status).toBe(503)
    expect(await page.text()).toContain('The database is not reachable right now')
    const api = await proxiedApp.request('/api/me', { headers: { cookie } })
    expect(api.status).toBe(503)
    // Not written to the unreachable database: the reference goes to stdout with the entry.
    expect(await api.json()).toEqual({
      error: {
        code: 'database_unavailable',
        message: 'The database is not reachable right now. Try again in a moment.',
        reference: expect.stringMatching(/^E-/),
      },
    })
    expect((await proxiedApp.request('/readyz')).status).toBe(503)
    expect((await proxiedApp.request('/healthz')).status).toBe(200)

    proxy.restore()
    expect((await proxiedApp.request('/', { headers: { cookie } })).status).toBe(200)
  } finally {
    await viaProxy.db.destroy()
    await proxy.close()
  }
})
