import { beforeEach, describe, expect, test } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import { DEFAULT_PREFERENCES } from '../src/preferences/schema'
import { type App, form, json, makeUser, signIn, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let cookie: string

useApp('reviewer', (t) => ({ database, app, cookie } = t))

const get = async () => (await app.request('/api/me/preferences', { headers: { cookie } })).json()
const put = (body: unknown) => app.request('/api/me/preferences', json(body, { cookie, origin: 'http://localhost' }, 'PUT'))

test('preferences start as the defaults; PUT changes any subset and GET returns every field', async () => {
  expect(await get()).toEqual(DEFAULT_PREFERENCES)
  const res = await put({ theme: 'dark', rows_per_page: 20, shortcuts: { approve: 'y' }, notify: { review_needed: 100 } })
  expect(res.status).toBe(200)
  const after = await get()
  expect(after).toMatchObject({ theme: 'dark', rows_per_page: 20, density: 'normal', timezone: 'UTC' })
  expect(after.shortcuts).toEqual({ ...DEFAULT_PREFERENCES.shortcuts, approve: 'y' })
  expect(after.notify).toEqual({ ...DEFAULT_PREFERENCES.notify, review_needed: 100 })
  await put({ shortcuts: { undo: 'z' } })
  expect((await get()).shortcuts).toMatchObject({ approve: 'y', undo: 'z' })
})

test('an unknown field or a bad value is a 400 naming the field, and nothing changes', async () => {
  await put({ theme: 'light' })
  const unknown = await put({ theme: 'dark', colour: 'blue' })
  expect(unknown.status).toBe(400)
  expect((await unknown.json()).error.message).toContain('colour')
  for (const [body, field] of [
    [{ rows_per_page: 5000 }, 'rows_per_page'],
    [{ timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ theme: 'neon' }, 'theme'],
    [{ default_filters: { status: ['nope'] } }, 'default_filters.status.0'],
    [{ shortcuts: { approve: 'enter' } }, 'shortcuts.approve'],
    [{ dashboard_columns: ['tier', 'colour'] }, 'dashboard_columns.1'],
    [{ dashboard_columns: ['tier', 'tier'] }, 'dashboard_columns'],
    [{ dashboard_columns: 'tier' }, 'dashboard_columns'],
  ] as const) {
    const res = await put(body)
    expect(res.status, JSON.stringify(body)).toBe(400)
    expect(Object.keys((await res.json()).error.fields)).toContain(field)
  }
  expect((await get()).theme).toBe('light')
})

test('two review actions on one key are refused, naming both', async () => {
  const res = await put({ shortcuts: { undo: 'a' } })
  expect(res.status).toBe(400)
  const { error } = await res.json()
  expect(error.message).toContain('"a" is already the key for approve; undo needs another')
  expect(error.fields).toHaveProperty(['shortcuts.undo'])
})

test('DELETE restores every default', async () => {
  await put({ theme: 'dark', density: 'compact' })
  const res = await app.request('/api/me/preferences', { method: 'DELETE', headers: { cookie, origin: 'http://localhost' } })
  expect(await res.json()).toEqual(DEFAULT_PREFERENCES)
  expect(await get()).toEqual(DEFAULT_PREFERENCES)
})

test('the preferences page saves the form, and theme, density and shortcuts apply to every page at once', async () => {
  const page = await app.request('/settings/preferences', { headers: { cookie } })
  expect(page.status).toBe(200)
  const saved = await app.request(
    '/settings/preferences',
    form(
      {
        theme: 'dark',
        density: 'compact',
        timezone: 'Europe/Paris',
        rows_per_page: '25',
        default_sort: 'quality_asc',
        default_export_format: 'csv',
        'shortcuts.approve': 'a',
        'shortcuts.reject': 'r',
        'shortcuts.request_changes': 'c',
        'shortcuts.next': 'n',
        'shortcuts.previous': 'p',
        'shortcuts.undo': 'u',
      },
      { cookie },
    ),
  )
  expect(saved.status).toBe(303)
  const after = await get()
  expect(after).toMatchObject({
    theme: 'dark',
    density: 'compact',
    timezone: 'Europe/Paris',
    rows_per_page: 25,
    animations: false,
    shortcuts_enabled: false,
    include_metadata: false,
  })
  for (const path of ['/', '/review', '/settings/tokens']) {
    const html = await (await app.request(path, { headers: { cookie } })).text()
    expect(html, path).toContain('<html lang="en" data-theme="dark" data-density="compact" data-motion="off" data-shortcuts="off">')
  }
})

test('a refused form comes back with what was typed and the field named', async () => {
  const res = await app.request('/settings/preferences', form({ theme: 'dark', rows_per_page: '3', timezone: 'UTC' }, { cookie }))
  expect(res.status).toBe(400)
  const html = await res.text()
  expect(html).toContain('must be at least 10')
  expect(html).toContain('value="3"')
  expect((await get()).theme).toBe('system')
})

test('the dashboard opens with the filters a user made their default', async () => {
  const res = await app.request('/settings/preferences/default-filters', form({ query: 'status=pending_review&tier=T2' }, { cookie }))
  expect(res.status).toBe(303)
  expect((await get()).default_filters).toEqual({ status: ['pending_review'], tier: ['T2'] })
})

describe('applied across the app', () => {
  beforeEach(async () => {
    await seedConversations(database.db, { count: 40 })
  })

  test('the dashboard opens with the default filters and order; a query of its own replaces them', async () => {
    const made = await app.request('/settings/preferences/default-filters', form({ query: 'status=pending_review&sort=quality_asc' }, { cookie }))
    expect(made.status).toBe(303)
    expect(await get()).toMatchObject({ default_filters: { status: ['pending_review'] }, default_sort: 'quality_asc' })
    const opened = await (await app.request('/', { headers: { cookie } })).text()
    expect(opened).toMatch(/<input type="checkbox" name="status" value="pending_review" checked/)
    expect(opened).toMatch(/<option value="quality_asc" selected/)
    const statuses = await database.db.selectFrom('conversations').select('status').distinct().execute()
    expect(statuses.length).toBeGreaterThan(1)
    const asked = await (await app.request('/?status=approved', { headers: { cookie } })).text()
    expect(asked).not.toMatch(/value="pending_review" checked/)
  })

  test('the column chooser keeps the chosen dashboard columns, returns to the same filters, and a template filter names the template once', async () => {
    const columns = (html: string) => [...html.matchAll(/<th class="(?:num )?col-(\w+)"/g)].map((m) => m[1])
    expect(columns(await (await app.request('/', { headers: { cookie } })).text())).toEqual(DEFAULT_PREFERENCES.dashboard_columns)
    const chosen = new URLSearchParams([
      ['columns', 'template'],
      ['columns', 'tier'],
      ['query', 'status=approved'],
    ])
    const res = await app.request('/settings/preferences/dashboard-columns', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', cookie },
      body: chosen.toString(),
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/?status=approved')
    expect((await get()).dashboard_columns).toEqual(['template', 'tier'])
    const page = await (await app.request('/?status=approved', { headers: { cookie } })).text()
    expect(columns(page)).toEqual(['tier', 'template'])
    expect(page).toMatch(/<input type="checkbox" name="columns" value="template" checked/)
    expect(page).not.toMatch(/<input type="checkbox" name="columns" value="cost" checked/)

    const template = await database.db.selectFrom('templates').select(['id', 'name']).executeTakeFirstOrThrow()
    const filtered = await (await app.request(`/?template_id=${template.id}`, { headers: { cookie } })).text()
    expect(columns(filtered)).toEqual(['tier'])
    expect(filtered).toContain(`Template: <strong>${template.name}</strong>`)

    const bad = await app.request('/settings/preferences/dashboard-columns', form({ columns: 'colour' }, { cookie }))
    expect(bad.status).toBe(400)
    expect((await get()).dashboard_columns).toEqual(['template', 'tier'])
  })

  test('rows scoring below the personal threshold are highlighted', async () => {
    const plain = await (await app.request('/', { headers: { cookie } })).text()
    expect(plain).not.toContain('low-quality')
    await put({ quality_highlight_below: 10 })
    const highlighted = await (await app.request('/', { headers: { cookie } })).text()
    expect(highlighted).toContain('class="low-quality"')
  })

  test('a new export starts with the default format and "include metadata"', async () => {
    const editor = await makeUser(database, 'editor')
    const editorCookie = await signIn(app, editor)
    await app.request('/api/me/preferences', json({ default_export_format: 'csv', include_metadata: false }, { cookie: editorCookie }, 'PUT'))
    const page = await (await app.request('/exports/new', { headers: { cookie: editorCookie } })).text()
    expect(page).toMatch(/name="format" value="csv" checked/)
    expect(page).not.toMatch(/name="include_metadata"[^>]*checked/)
  })

  test("the review screen and its help use the reviewer's own keys", async () => {
    await put({ shortcuts: { approve: 'y', reject: 'x' } })
    const next = await app.request('/review/next', { headers: { cookie } })
    expect(next.status).toBe(303)
    const screen = await (await app.request(next.headers.get('location')!, { headers: { cookie } })).text()
    expect(screen).toContain('data-hotkey="y"')
    expect(screen).toContain('Approve <kbd>y</kbd>')
    expect(screen).toContain('data-hotkey="x"')
    expect(screen).not.toContain('data-hotkey="a"')
    expect(screen).toMatch(/<kbd>y<\/kbd><\/td><td>Approve<\/td>/)
  })
})

test('rows per page applies to the other lists too (documents here)', async () => {
  const editor = await makeUser(database, 'editor')
  const editorCookie = await signIn(app, editor)
  for (let i = 0; i < 12; i++) {
    const res = await app.request('/api/documents', json({ title: `Doc ${i}`, text: `Text number ${i} about refunds.` }, { cookie: editorCookie }))
    expect(res.status).toBe(202)
  }
  const rows = async () =>
    ((await (await app.request('/documents', { headers: { cookie: editorCookie } })).text()).match(/href="\/documents\/[0-9a-f-]{36}"/g) ?? []).length
  expect(await rows()).toBe(12)
  await app.request('/api/me/preferences', json({ rows_per_page: 10 }, { cookie: editorCookie }, 'PUT'))
  expect(await rows()).toBe(10)
})
