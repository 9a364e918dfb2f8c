import { sql } from 'kysely'
import { describe, expect, test } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import { type App, form, json, ORIGIN, type TestUser, testApp, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { makeTemplate } from './helpers/generation'

let database: TestDatabase
let app: App
let admin: TestUser
let cookie: string

useApp('admin', (t) => ({ database, app, user: admin, cookie } = t))

type ErrorBody = { error: { code: string; message: string; fields?: Record<string, string> } }

const b64 = (text: string) => Buffer.from(text).toString('base64url')
const UUID = '00000000-0000-4000-8000-000000000000'
const NOT_A_UUID = '-'.repeat(36)

async function expect400(res: Response, field: string): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody
  expect(res.status, JSON.stringify(body)).toBe(400)
  expect(body.error.fields, JSON.stringify(body)).toHaveProperty([field])
  return body
}

describe('text Postgres cannot store', () => {
  test('a NUL character in the sign-in form is a 400 naming the field, without a session', async () => {
    const res = await app.request('/login', form({ email: 'someone\u0000@example.com', password: 'whatever it is' }, { accept: 'application/json' }))
    const body = await expect400(res, 'email')
    expect(body.error.message).toContain('NUL')
    const page = await app.request('/login', form({ email: admin.email, password: 'pass\u0000word' }))
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('password')
  })

  test('a NUL character in a JSON field is a 400 naming the field, and nothing is stored', async () => {
    const res = await app.request(
      '/api/templates',
      json(
        { name: 'Support', system_prompt: 'You write.', prompt: 'Say \u0000 hello', parameters: [], min_turns: 2, max_turns: 4 },
        { cookie, origin: ORIGIN },
      ),
    )
    await expect400(res, 'prompt')
    const nested = await app.request(
      '/api/templates',
      json(
        { name: 'Support', system_prompt: 'x', prompt: 'y', parameters: [{ name: 'to\u0000pic', type: 'string', required: true }] },
        { cookie, origin: ORIGIN },
      ),
    )
    await expect400(nested, 'parameters.0.name')
    expect(await database.db.selectFrom('templates').select('id').execute()).toEqual([])
  })

  test('a NUL character in a query parameter is a 400 naming the parameter', async () => {
    await expect400(await app.request('/api/conversations?q=refund%00', { headers: { cookie } }), 'q')
    await expect400(await app.request('/api/templates?q=%00', { headers: { cookie } }), 'q')
    const page = await app.request('/templates?q=%00', { headers: { cookie } })
    expect(page.status).toBe(400)
  })

  test('a NUL character in a multipart field is a 400, and a broken multipart body is a 400 too', async () => {
    const fields = new FormData()
    fields.set('name', 'pipe\u0000line')
    await expect400(await app.request('/api/tokens', { method: 'POST', headers: { cookie, origin: ORIGIN }, body: fields }), 'name')
    const broken = await app.request('/api/tokens', {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'multipart/form-data; boundary=zzz' },
      body: '--zzz\r\nbroken',
    })
    expect(broken.status).toBe(400)
  })

  test('a database data exception that slips past the checks is a 400, not a 500', async () => {
    // A route of the test's own, mounted like any other, that hands Postgres a value it refuses.
    const probe = testApp(database).app
    probe.get('/api/probe', async (c) => c.json(await sql`select ${c.req.query('at')}::timestamptz as at`.execute(c.var.db)))
    const res = await probe.request('/api/probe?at=not-a-time', { headers: { cookie } })
    expect(res.status).toBe(400)
    expect(((await res.json()) as ErrorBody).error.code).toBe('invalid_value')
  })

  test('a write that loses a race with a delete (a foreign key gone meanwhile) is a 409 to try again, not a 500', async () => {
    const probe = testApp(database).app
    probe.post('/api/probe', async (c) =>
      c.json(await sql`insert into conversations (tier, status, parent_chunk_id) values ('T1', 'draft', ${UUID}::uuid)`.execute(c.var.db)),
    )
    const res = await probe.request('/api/probe', { method: 'POST', headers: { cookie, origin: ORIGIN } })
    expect(res.status).toBe(409)
    expect(((await res.json()) as ErrorBody).error.code).toBe('conflict')
  })
})

describe('forged cursors', () => {
  const timesPostgresRefuses = ['1', '275760-09-13T00:00:00Z', '2026-02-30 10:00:00+00', '0000-01-01T00:00:00Z']

  test('the conversations list answers every forged cursor with a 400 naming cursor', async () => {
    await seedConversations(database.db, { count: 5, createdBy: admin.id })
    const cursors = [
      ...timesPostgresRefuses.map((at) => b64(JSON.stringify(['created_desc', at, UUID]))),
      b64(JSON.stringify(['created_desc', '2026-11-30 10:00:00+00', NOT_A_UUID])),
    ]
    for (const cursor of cursors) {
      await expect400(await app.request(`/api/conversations?cursor=${cursor}`, { headers: { cookie } }), 'cursor')
      expect((await app.request(`/conversations/rows?cursor=${cursor}`, { headers: { cookie } })).status).toBe(400)
    }
    const title = b64(JSON.stringify(['title_asc', 'a\u0000b', UUID]))
    await expect400(await app.request(`/api/conversations?sort=title_asc&cursor=${title}`, { headers: { cookie } }), 'cursor')
  })

  test('the templates list and a template’s scenarios answer a forged cursor with a 400 naming cursor', async () => {
    const { id } = await makeTemplate(app, cookie)
    for (const at of timesPostgresRefuses) {
      await expect400(await app.request(`/api/templates?cursor=${b64(JSON.stringify([at, UUID]))}`, { headers: { cookie } }), 'cursor')
    }
    await expect400(
      await app.request(`/api/templates?cursor=${b64(JSON.stringify(['2026-11-30 10:00:00+00', NOT_A_UUID]))}`, { headers: { cookie } }),
      'cursor',
    )
    await expect400(await app.request(`/api/templates?cursor=${b64(`1|${NOT_A_UUID}`)}`, { headers: { cookie } }), 'cursor')
    expect((await app.request(`/templates?cursor=${b64(`1|${NOT_A_UUID}`)}`, { headers: { cookie } })).status).toBe(400)
    const scenarios = `/api/templates/${id}/scenarios?cursor=${b64(JSON.stringify(['a\u0000b', UUID]))}`
    await expect400(await app.request(scenarios, { headers: { cookie } }), 'cursor')
  })

  test('the batches and exports lists answer a forged cursor with a 400 instead of the first page', async () => {
    for (const cursor of [`1_${NOT_A_UUID}`, `+275760-09-13T00:00:00.000Z_${UUID}`, `2026-11-30T10:00:00.000Z_${NOT_A_UUID}`, 'garbage']) {
      expect((await app.request(`/batches?cursor=${encodeURIComponent(cursor)}`, { headers: { cookie } })).status, cursor).toBe(400)
      await expect400(await app.request(`/api/exports?cursor=${encodeURIComponent(cursor)}`, { headers: { cookie } }), 'cursor')
      await expect400(await app.request(`/exports?before=${encodeURIComponent(cursor)}`, { headers: { cookie, accept: 'application/json' } }), 'before')
    }
  })

  test('the trash answers a forged time or id with a 400 naming it', async () => {
    for (const after_at of timesPostgresRefuses) {
      const query = new URLSearchParams({ after_at, after_id: UUID })
      await expect400(await app.request(`/conversations/trash?${query}`, { headers: { cookie, accept: 'application/json' } }), 'after_at')
    }
    const query = new URLSearchParams({ after_at: '2026-11-30 10:00:00+00', after_id: NOT_A_UUID })
    await expect400(await app.request(`/conversations/trash?${query}`, { headers: { cookie, accept: 'application/json' } }), 'after_id')
  })

  test('the cursors the lists give out still page through every row', async () => {
    await makeTemplate(app, cookie)
    await makeTemplate(app, cookie, { name: 'Second' })
    await makeTemplate(app, cookie, { name: 'Third' })
    const names: string[] = []
    let cursor: string | null = null
    do {
      const res: Response = await app.request(`/api/templates?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { headers: { cookie } })
      expect(res.status).toBe(200)
      const page = (await res.json()) as { items: { name: string }[]; next_cursor: string | null }
      names.push(...page.items.map((t) => t.name))
      cursor = page.next_cursor
    } while (cursor)
    expect(names).toEqual(['Third', 'Second', 'Support chat'])

    await seedConversations(database.db, { count: 20, createdBy: admin.id })
    const made: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/api/exports', json({ format: 'json' }, { cookie, origin: ORIGIN }))
      expect(res.status, await res.clone().text()).toBe(202)
      made.push(((await res.json()) as { id: string }).id)
    }
    const seen: string[] = []
    let next: string | null = null
    do {
      const res: Response = await app.request(`/api/exports?limit=1${next ? `&cursor=${encodeURIComponent(next)}` : ''}`, { headers: { cookie } })
      expect(res.status).toBe(200)
      const page = (await res.json()) as { items: { id: string }[]; next_cursor: string | null }
      seen.push(...page.items.map((e) => e.id))
      next = page.next_cursor
    } while (next)
    expect(seen.sort()).toEqual(made.sort())

    const template = await makeTemplate(app, cookie, { name: 'Batched' })
    expect((await app.request('/api/batches', json({ template_id: template.id, count_per_item: 1 }, { cookie, origin: ORIGIN }))).status).toBe(201)
    await sql`insert into batches (name, template_id, template_version_id, status, settings, estimate, total, input_tokens, output_tokens, cost_usd, created_at)
      select 'Copy ' || n, template_id, template_version_id, status, settings, estimate, total, input_tokens, output_tokens, cost_usd, created_at - make_interval(secs => n)
      from batches, generate_series(1, 55) as n where template_id = ${template.id}`.execute(database.db)
    const firstPage = await (await app.request('/batches', { headers: { cookie } })).text()
    const older = /href="(\/batches\?cursor=[^"]+)"/.exec(firstPage)?.[1]?.replaceAll('&amp;', '&')
    expect(older).toBeDefined()
    const secondPage = await app.request(older!, { headers: { cookie } })
    expect(secondPage.status).toBe(200)
    expect(await secondPage.text()).toContain('Copy 55')
  })
})
