import type { JobHelpers } from 'graphile-worker'
import { sql } from 'kysely'
import { beforeEach, describe, expect, test } from 'vitest'
import { seedConversations } from '../src/conversations/seed'
import type { ConversationStatus, Tier } from '../src/db/schema'
import { taskList } from '../tasks'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, testApp, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'

let database: TestDatabase
let app: App
let admin: TestUser
let adminCookie: string

useApp('admin', (t) => ({ database, app, user: admin, cookie: adminCookie } = t))

type Item = { id: string; title: string; status: string; tier: string; quality_score: number | null; created_at: string; updated_at: string }
type ListBody = { items: Item[]; next_cursor: string | null }

async function cookieFor(role: 'viewer' | 'reviewer' | 'editor'): Promise<string> {
  return signIn(app, await makeUser(database, role))
}

async function list(query: string, cookie = adminCookie): Promise<ListBody> {
  const res = await app.request(`/api/conversations?${query}`, { headers: { cookie } })
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json()
}

/** Every item through the keyset pages, with a hook between pages. */
async function allPages(query: string, between?: (page: number) => Promise<void>): Promise<Item[]> {
  const items: Item[] = []
  let cursor: string | null = null
  for (let page = 0; page < 1000; page++) {
    const body = await list(`${query}${cursor ? `&cursor=${cursor}` : ''}`)
    items.push(...body.items)
    cursor = body.next_cursor
    if (!cursor) return items
    await between?.(page)
  }
  throw new Error('too many pages')
}

let counter = 0
async function addConversation(
  fields: { title?: string; status?: ConversationStatus; tier?: Tier; turns?: string[]; quality?: number | null; created_at?: Date } = {},
) {
  const turns = (fields.turns ?? ['Hello there', 'Hi, how can I help?']).map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }))
  return database.db
    .insertInto('conversations')
    .values({
      tier: fields.tier ?? 'T1',
      status: fields.status ?? 'pending_review',
      title: fields.title ?? `Conversation ${++counter}`,
      persona: 'tester',
      emotion: 'calm',
      topic: 'testing',
      turns: JSON.stringify(turns),
      turn_count: turns.length,
      quality_score: fields.quality === undefined ? 7 : fields.quality,
      created_at: fields.created_at ?? new Date(),
    })
    .returning(['id', 'version'])
    .executeTakeFirstOrThrow()
}

describe('the list', () => {
  beforeEach(async () => {
    await seedConversations(database.db, { count: 240, parallel: 1 })
  })

  test('the dashboard shows the conversations table, and the summary counts what the filter matches', async () => {
    const page = await app.request('/', { headers: { cookie: adminCookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('<table class="table conversations">')
    expect(html).toContain('hx-get="/conversations/summary"')
    const approved = await database.db
      .selectFrom('conversations')
      .select(sql<string>`count(*)`.as('n'))
      .where('status', '=', 'approved')
      .executeTakeFirstOrThrow()
    const summary = await app.request('/conversations/summary?status=approved', { headers: { cookie: adminCookie, accept: 'application/json' } })
    const body = await summary.json()
    expect(body.total).toBe(Number(approved.n))
    expect(body.byStatus).toEqual({ approved: Number(approved.n) })
    expect(body.approvalRate).toBe(1)
    const cards = await app.request('/conversations/summary?status=approved', { headers: { cookie: adminCookie, 'hx-request': 'true' } })
    expect(await cards.text()).toContain(`<strong>${Number(approved.n).toLocaleString('en-US')}</strong> conversations match`)
  })

  test('filters combine, and every page holds only matching conversations', async () => {
    const template = await database.db.selectFrom('templates').select('id').executeTakeFirstOrThrow()
    const items = await allPages(`status=approved,rejected&tier=T2&tier=T3&quality_min=5&quality_max=9&template_id=${template.id}&limit=20`)
    const expected = await database.db
      .selectFrom('conversations')
      .select('id')
      .where('status', 'in', ['approved', 'rejected'])
      .where('tier', 'in', ['T2', 'T3'])
      .where('quality_score', '>=', 5)
      .where('quality_score', '<=', 9)
      .where('template_id', '=', template.id)
      .execute()
    expect(expected.length).toBeGreaterThan(0)
    expect(items.map((i) => i.id).sort()).toEqual(expected.map((e) => e.id).sort())
  })

  test('persona, emotion, topic, batch, scenario, dates and simulated each narrow the list', async () => {
    const sample = await database.db.selectFrom('conversations').selectAll().where('scenario_id', 'is not', null).executeTakeFirstOrThrow()
    const day = sample.created_at.toISOString().slice(0, 10)
    const cases: [string, (row: typeof sample) => boolean][] = [
      [`persona=${encodeURIComponent(sample.persona)}`, (r) => r.persona === sample.persona],
      [`emotion=${encodeURIComponent(sample.emotion)}`, (r) => r.emotion === sample.emotion],
      [`topic=${encodeURIComponent(sample.topic)}`, (r) => r.topic === sample.topic],
      [`batch_id=${sample.batch_id}`, (r) => r.batch_id === sample.batch_id],
      [`scenario_id=${sample.scenario_id}`, (r) => r.scenario_id === sample.scenario_id],
      [`created_from=${day}&created_to=${day}`, (r) => r.created_at.toISOString().slice(0, 10) === day],
      ['simulated=false', (r) => !r.simulated],
    ]
    const all = await database.db.selectFrom('conversations').selectAll().execute()
    for (const [query, keep] of cases) {
      const items = await allPages(`${query}&limit=100`)
      expect(items.map((i) => i.id).sort(), query).toEqual(
        all
          .filter(keep)
          .map((r) => r.id)
          .sort(),
      )
    }
  })

  test('each sort orders by its key in both directions, ties broken by id', async () => {
    const keys = {
      created: (i: Item) => i.created_at,
      updated: (i: Item) => i.updated_at,
      quality: (i: Item) => (i.quality_score ?? -1).toFixed(2).padStart(6, '0'),
      title: (i: Item) => i.title,
    }
    for (const [key, of] of Object.entries(keys)) {
      for (const direction of ['asc', 'desc'] as const) {
        const items = await allPages(`sort=${key}_${direction}&limit=50`)
        expect(items).toHaveLength(240)
        for (let i = 1; i < items.length; i++) {
          const [a, b] = [items[i - 1]!, items[i]!]
          const order = key === 'title' ? a.title.localeCompare(b.title, 'en') : of(a) < of(b) ? -1 : of(a) > of(b) ? 1 : 0
          if (key !== 'title') {
            expect(direction === 'asc' ? order <= 0 : order >= 0, `${key} ${direction} at ${i}`).toBe(true)
            if (order === 0) expect(direction === 'asc' ? a.id < b.id : a.id > b.id).toBe(true)
          }
        }
      }
    }
  })

  test('keyset pages hold every conversation exactly once while new ones are inserted between pages', async () => {
    for (const sort of ['created_desc', 'title_asc', 'quality_asc']) {
      const before = await database.db.selectFrom('conversations').select('id').where('deleted_at', 'is', null).execute()
      const items = await allPages(`sort=${sort}&limit=25`, async (page) => {
        // Titles and scores land all over the order, before and after the page being read.
        await addConversation({ title: `${String.fromCharCode(65 + page)} inserted ${sort}`, quality: page % 10 })
        await addConversation({ title: `Z inserted ${sort} ${page}`, created_at: new Date(Date.now() - 86_400_000 * 200) })
      })
      const ids = items.map((i) => i.id)
      expect(new Set(ids).size, `${sort}: duplicates`).toBe(ids.length)
      const seen = new Set(ids)
      expect(
        before.filter((b) => !seen.has(b.id)),
        `${sort}: gaps`,
      ).toEqual([])
    }
  })

  test('rows per page follow the user preference, 50 by default, and limit overrides it', async () => {
    expect((await list('')).items).toHaveLength(50)
    await database.db
      .insertInto('user_preferences')
      .values({ user_id: admin.id, settings: JSON.stringify({ rows_per_page: 20 }) })
      .execute()
    expect((await list('')).items).toHaveLength(20)
    expect((await list('limit=7')).items).toHaveLength(7)
  })

  test('an htmx filter gets the results region alone; "load more" gets the next rows and its own link', async () => {
    const results = await app.request('/?status=approved', { headers: { cookie: adminCookie, 'hx-request': 'true' } })
    const fragment = await results.text()
    expect(fragment.startsWith('<section id="results">')).toBe(true)
    expect(fragment).not.toContain('<html')
    const next = /hx-get="\/conversations\/rows\?([^"]+)"/.exec(fragment)?.[1]?.replaceAll('&amp;', '&')
    expect(next).toContain('status=approved')
    const rows = await app.request(`/conversations/rows?${next}`, { headers: { cookie: adminCookie, 'hx-request': 'true' } })
    const more = await rows.text()
    expect(more.startsWith('<tr id="c-')).toBe(true)
    // The same rows a browser without JavaScript gets from the plain link.
    const plain = await app.request(`/?${next}`, { headers: { cookie: adminCookie } })
    expect(plain.status).toBe(200)
    const firstId = /<tr id="c-([\w-]+)"/.exec(more)![1]
    expect(await plain.text()).toContain(`<tr id="c-${firstId}"`)
    // The back button's history restore asks for the whole page.
    const restore = await app.request('/?status=approved', { headers: { cookie: adminCookie, 'hx-request': 'true', 'hx-request-type': 'full' } })
    expect(await restore.text()).toContain('<html')
  })
})

describe('search', () => {
  test('finds words in the title and the turn text, ranked by the chosen sort, with the terms marked', async () => {
    const a = await addConversation({ title: 'Refund for a broken kettle', turns: ['My kettle broke', 'Sorry to hear that'] })
    const b = await addConversation({ title: 'Password trouble', turns: ['I want a refund of my subscription', 'Let me check'] })
    await addConversation({ title: 'Delivery question', turns: ['Where is my parcel?', 'On its way'] })
    const body = await list('q=refunds')
    expect(body.items.map((i) => i.id).sort()).toEqual([a.id, b.id].sort())
    const page = await app.request('/?q=refund', { headers: { cookie: adminCookie } })
    const html = await page.text()
    expect(html).toContain('<mark>Refund</mark> for a broken kettle')
    expect(html).toContain('want a <mark>refund</mark> of my subscription')
    expect(html).not.toMatch(/[\u0002\u0003]/)
  })

  test('search pages hold every match once and in order, however far apart the matches are', async () => {
    await seedConversations(database.db, { count: 1500, parallel: 2 })
    // Rare matches sit far apart in the sort order, common ones close together: both must page alike.
    const rare = await addConversation({ title: 'Aardvark kettle', turns: ['kettle', 'kettle'] })
    const last = await addConversation({ title: 'Zebra kettle', turns: ['kettle', 'kettle'] })
    expect((await allPages('q=kettle&sort=title_asc&limit=1')).map((i) => i.id)).toEqual([rare.id, last.id])
    for (const query of ['q=refund&sort=title_asc&limit=40', 'q=refund&status=rejected&sort=quality_desc&limit=15', 'q=help&sort=created_asc&limit=100']) {
      const items = await allPages(query)
      const params = new URLSearchParams(query)
      const expected = await database.db
        .selectFrom('conversations')
        .select('id')
        .where(sql<boolean>`search @@ websearch_to_tsquery('english', ${params.get('q')})`)
        .$if(params.has('status'), (q) => q.where('status', '=', 'rejected'))
        .execute()
      expect(items.map((i) => i.id).sort(), query).toEqual(expected.map((e) => e.id).sort())
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length)
    }
  })

  test('tsquery syntax characters are searched as text, never an error', async () => {
    await addConversation({ title: 'foo bar baz' })
    for (const q of ['foo & | ! (', '!!!', "'", '\\', ':*', 'a <-> b', '"unclosed', 'foo:A', '((', '-', '&&&', '😀']) {
      const res = await app.request(`/api/conversations?q=${encodeURIComponent(q)}`, { headers: { cookie: adminCookie } })
      expect(res.status, q).toBe(200)
    }
    expect((await list(`q=${encodeURIComponent('foo & | ! (')}`)).items).toHaveLength(1)
  })

  test('titles and turns are escaped, and a search cannot inject markup through highlights', async () => {
    await addConversation({ title: '<script>alert(1)</script> refund \u0002<b>x</b>\u0003', turns: ['<img src=x onerror=alert(1)> refund'] })
    const html = await (await app.request('/?q=refund', { headers: { cookie: adminCookie } })).text()
    expect(html).not.toContain('<script>alert(1)')
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('<b>x</b>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; <mark>refund</mark>')
  })
})

describe('bad input', () => {
  test('a malformed cursor is a 400 with a message, not a 500', async () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const id = '00000000-0000-4000-8000-000000000000'
    const cursors = ['garbage', '%%%', forged(['created_desc', 'not a time', id]), forged(['created_desc', '2026-01-01', 'x']), forged({ a: 1 })]
    for (const query of [
      ...cursors.map((c) => `cursor=${encodeURIComponent(c)}`),
      `sort=quality_desc&cursor=${forged(['quality_desc', '1; drop table', id])}`,
    ]) {
      const res = await app.request(`/api/conversations?${query}`, { headers: { cookie: adminCookie } })
      expect(res.status, query).toBe(400)
      expect((await res.json()).error.message).toMatch(/cursor is not valid/)
    }
    const otherSort = await app.request(`/api/conversations?sort=title_asc&cursor=${forged(['created_desc', '2026-01-01 00:00:00+00', id])}`, {
      headers: { cookie: adminCookie },
    })
    expect(otherSort.status).toBe(400)
    expect((await otherSort.json()).error.message).toMatch(/different sort/)
    const page = await app.request('/?cursor=garbage', { headers: { cookie: adminCookie } })
    expect(page.status).toBe(400)
  })

  test('unknown filter values are a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['status=bogus', 'status'],
      ['tier=T9', 'tier'],
      ['sort=sideways', 'sort'],
      ['limit=0', 'limit'],
      ['limit=lots', 'limit'],
      ['template_id=12', 'template_id'],
      ['quality_min=11', 'quality_min'],
      ['quality_min=8&quality_max=2', 'quality_max'],
      ['created_from=yesterday', 'created_from'],
      ['simulated=maybe', 'simulated'],
      ['deleted=everything', 'deleted'],
    ]
    for (const [query, field] of cases) {
      const res = await app.request(`/api/conversations?${query}`, { headers: { cookie: adminCookie } })
      expect(res.status, query).toBe(400)
      const body = await res.json()
      expect(Object.keys(body.error.fields).join(), query).toContain(field)
    }
  })
})

describe('the JSON API (DESIGN.md §8)', () => {
  test('lists with {items, next_cursor} and shows one conversation with its turns and version', async () => {
    const { id } = await addConversation({ turns: ['Hi', 'Hello!'] })
    const token = await app.request('/api/tokens', json({ name: 'script' }, { cookie: adminCookie, origin: ORIGIN }))
    const { token: bearer } = await token.json()
    const res = await app.request('/api/conversations?status=pending_review&tier=T1&sort=created_desc&limit=10', {
      headers: { authorization: `Bearer ${bearer}` },
    })
    const body = await res.json()
    expect(Object.keys(body).sort()).toEqual(['items', 'next_cursor'])
    expect(body.next_cursor).toBeNull()
    expect(body.items[0]).toMatchObject({ id, status: 'pending_review', tier: 'T1', version: 1 })
    const one = await app.request(`/api/conversations/${id}`, { headers: { authorization: `Bearer ${bearer}` } })
    expect(one.status).toBe(200)
    expect(await one.json()).toMatchObject({
      id,
      status: 'pending_review',
      version: 1,
      turns: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
      ],
      review_history: [],
    })
    expect((await app.request('/api/conversations/not-an-id', { headers: { cookie: adminCookie } })).status).toBe(404)
  })
})

describe('deleting', () => {
  test('a deleted conversation is hidden from lists, its page is a 404, and an admin can restore it from the trash', async () => {
    const editor = await makeUser(database, 'editor')
    const editorCookie = await signIn(app, editor)
    const { id } = await addConversation({ title: 'Soon gone' })
    const del = await app.request(`/conversations/${id}/delete`, form({ version: '1' }, { cookie: editorCookie }))
    expect(del.status).toBe(303)
    expect((await list('')).items.map((i) => i.id)).not.toContain(id)
    expect((await app.request(`/conversations/${id}`, { headers: { cookie: adminCookie } })).status).toBe(404)
    expect((await app.request(`/api/conversations/${id}`, { headers: { cookie: adminCookie } })).status).toBe(404)
    expect((await app.request(`/conversations/${id}/delete`, form({}, { cookie: editorCookie }))).status).toBe(404)

    expect((await app.request('/conversations/trash', { headers: { cookie: editorCookie } })).status).toBe(403)
    expect((await app.request('/api/conversations?deleted=only', { headers: { cookie: editorCookie } })).status).toBe(403)
    expect((await list('deleted=only')).items.map((i) => i.id)).toEqual([id])
    expect((await app.request(`/conversations/${id}/restore`, form({}, { cookie: editorCookie }))).status).toBe(403)
    const trash = await app.request('/conversations/trash', { headers: { cookie: adminCookie } })
    expect(await trash.text()).toContain('Soon gone')
    const restore = await app.request(`/conversations/${id}/restore`, form({}, { cookie: adminCookie }))
    expect(restore.status).toBe(303)
    expect((await list('')).items.map((i) => i.id)).toContain(id)
  })

  test('a trashed conversation cannot be read through any path that takes its id, by anyone', async () => {
    const { id } = await addConversation({ title: 'Trashed secret' })
    await database.db
      .insertInto('conversation_versions')
      .values({ conversation_id: id, version: 1, source: 'seeded', turns: JSON.stringify([]), parameters: JSON.stringify({}) })
      .execute()
    const viewerCookie = await signIn(app, await makeUser(database, 'viewer'))
    const reviewerCookie = await signIn(app, await makeUser(database, 'reviewer'))
    const reads = [
      `/conversations/${id}`,
      `/api/conversations/${id}`,
      `/conversations/${id}/generation`,
      `/conversations/${id}/status`,
      `/conversations/${id}/versions`,
      `/conversations/${id}/compare?a=1&b=1`,
    ]
    for (const path of reads) expect((await app.request(path, { headers: { cookie: viewerCookie } })).status, path).toBe(200)

    await database.db.updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', id).execute()
    for (const cookie of [viewerCookie, adminCookie]) {
      for (const path of reads) {
        const res = await app.request(path, { headers: { cookie } })
        expect(res.status, path).toBe(404)
        expect(await res.text(), path).not.toContain('Trashed secret')
      }
    }
    const review = await app.request(`/review/${id}`, { headers: { cookie: reviewerCookie } })
    expect(review.status).toBe(404)
  })

  test('a conversation deleted more than 30 days ago can no longer be restored', async () => {
    const { id } = await addConversation()
    await database.db
      .updateTable('conversations')
      .set({ deleted_at: new Date(Date.now() - 31 * 86_400_000) })
      .where('id', '=', id)
      .execute()
    const res = await app.request(`/conversations/${id}/restore`, form({}, { cookie: adminCookie, accept: 'application/json' }))
    expect(res.status).toBe(409)
    expect((await res.json()).error.message).toMatch(/more than 30 days ago/)
  })

  test('deleting with a stale version is a 409 and leaves the conversation alone', async () => {
    const { id } = await addConversation()
    const res = await app.request(`/conversations/${id}/delete`, form({ version: '7' }, { cookie: adminCookie, accept: 'application/json' }))
    expect(res.status).toBe(409)
    const row = await database.db.selectFrom('conversations').select(['deleted_at', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ deleted_at: null, version: 1 })
  })
})

describe('the detail page', () => {
  test('shows the turns by speaker, where the conversation came from, its numbers and its review history', async () => {
    await seedConversations(database.db, { count: 60, parallel: 1 })
    const c = await database.db
      .selectFrom('conversations')
      .innerJoin('review_actions', 'review_actions.conversation_id', 'conversations.id')
      .select(['conversations.id', 'conversations.template_id', 'conversations.batch_id', 'conversations.turns', 'review_actions.to_status'])
      .executeTakeFirstOrThrow()
    const res = await app.request(`/conversations/${c.id}`, { headers: { cookie: adminCookie } })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<strong>User</strong>')
    expect(html).toContain('<strong>Assistant</strong>')
    // Seeded text is the simulator's, apostrophes and all: the page escapes it.
    const escaped = c.turns[1]!.content.replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll("'", '&#39;')
      .replaceAll('"', '&quot;')
    expect(html).toContain(escaped)
    expect(html).toContain(`href="/templates/${c.template_id}"`)
    expect(html).toContain(`href="/batches/${c.batch_id}"`)
    expect(html).toContain('claude-haiku-4-5')
    // The seeded quality parts are the real score's.
    expect(html).toContain('turn count')
    expect(html).toMatch(/Pending review → (Approved|Rejected|Needs revision)/)
    expect((await app.request('/conversations/00000000-0000-4000-8000-000000000000', { headers: { cookie: adminCookie } })).status).toBe(404)
  })

  test('shows the review history as the review screen does: labels for statuses and reasons, "the system" for automatic decisions', async () => {
    const { id } = await addConversation({ status: 'rejected' })
    await database.db
      .insertInto('review_actions')
      .values({ conversation_id: id, reviewer_id: null, action: 'auto_reject', from_status: 'pending_review', to_status: 'rejected', reasons: ['too_short'] })
      .execute()
    for (const path of [`/conversations/${id}`, `/review/${id}`]) {
      const html = await (await app.request(path, { headers: { cookie: adminCookie } })).text()
      const history = html.slice(html.indexOf('aria-label="Review history"'))
      expect(history, path).toContain('<strong>Auto-rejected</strong> by the system')
      expect(history, path).toContain('Pending review → Rejected')
      expect(history, path).toContain('Too short')
      expect(history, path).not.toContain('too_short')
    }
  })
})

describe('editing a turn', () => {
  test('saves the new text as a new version and keeps the original as a version too', async () => {
    const { id } = await addConversation({ turns: ['Helo', 'Hi!'] })
    const res = await app.request(`/conversations/${id}/turns/1`, form({ content: 'Hello', version: '1' }, { cookie: adminCookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/conversations/${id}?done=edited&changed=2#turn-1`)
    const row = await database.db.selectFrom('conversations').select(['turns', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({
      version: 2,
      turns: [
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Hi!' },
      ],
    })
    const versions = await database.db
      .selectFrom('conversation_versions')
      .select(['version', 'source', 'turns', 'created_by'])
      .where('conversation_id', '=', id)
      .orderBy('version')
      .execute()
    expect(versions.map((v) => [v.version, v.source, v.turns[0]!.content])).toEqual([
      [1, 'generated', 'Helo'],
      [2, 'edited', 'Hello'],
    ])
    expect(versions[1]!.created_by).toBe(admin.id)
    const page = await (await app.request(`/conversations/${id}?done=edited&changed=2`, { headers: { cookie: adminCookie } })).text()
    expect(page).toContain('Turn saved as version 2.')
    expect(page).toContain('edited')
  })

  test('an edit made on a stale version is a 409 showing the current text, and nothing changes', async () => {
    const { id } = await addConversation({ turns: ['One', 'Two'] })
    await app.request(`/conversations/${id}/turns/2`, form({ content: 'Second', version: '1' }, { cookie: adminCookie }))
    const stale = await app.request(`/conversations/${id}/turns/1`, form({ content: 'First', version: '1' }, { cookie: adminCookie }))
    expect(stale.status).toBe(409)
    const html = await stale.text()
    expect(html).toContain('you saw revision 1, it is now revision 2')
    expect(html).toContain('Second')
    const row = await database.db.selectFrom('conversations').select(['turns', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row.turns.map((t) => t.content)).toEqual(['One', 'Second'])
    expect(row.version).toBe(2)
  })

  test('editing an approved or rejected conversation sends it back to review, recorded as an edit by its editor', async () => {
    const editor = await makeUser(database, 'editor')
    const cookie = await signIn(app, editor)
    const approved = await addConversation({ status: 'approved' })
    const rejected = await addConversation({ status: 'rejected' })
    for (const { id } of [approved, rejected]) {
      const res = await app.request(`/conversations/${id}/turns/2`, form({ content: 'A better answer.', version: '1' }, { cookie, accept: 'application/json' }))
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ id, version: 2, content_version: 2 })
    }
    const rows = await database.db.selectFrom('conversations').select(['id', 'status', 'reviewed_at']).where('id', 'in', [approved.id, rejected.id]).execute()
    expect(rows.map((r) => [r.status, r.reviewed_at])).toEqual([
      ['pending_review', null],
      ['pending_review', null],
    ])
    const history = await database.db.selectFrom('review_actions').select(['conversation_id', 'reviewer_id', 'action', 'from_status', 'to_status']).execute()
    expect(history.sort((a, b) => (a.from_status < b.from_status ? -1 : 1))).toEqual([
      { conversation_id: approved.id, reviewer_id: editor.id, action: 'edited', from_status: 'approved', to_status: 'pending_review' },
      { conversation_id: rejected.id, reviewer_id: editor.id, action: 'edited', from_status: 'rejected', to_status: 'pending_review' },
    ])
    const exported = await list('status=approved')
    expect(exported.items).toEqual([])
    const page = await (await app.request(`/conversations/${approved.id}`, { headers: { cookie } })).text()
    expect(page).toContain('Edited')
    expect(page).toContain('Approved → Pending review')
  })

  test('editing a conversation that is not decided yet keeps its status and records no review action', async () => {
    for (const status of ['pending_review', 'needs_revision', 'draft'] as const) {
      const { id } = await addConversation({ status })
      const res = await app.request(`/conversations/${id}/turns/1`, form({ content: 'Edited', version: '1' }, { cookie: adminCookie }))
      expect(res.status).toBe(303)
      const row = await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()
      expect(row.status).toBe(status)
    }
    expect(await database.db.selectFrom('review_actions').selectAll().execute()).toEqual([])
  })

  test('the detail page numbers versions as its versions table does; the change counter is shown as the revision', async () => {
    const { id } = await addConversation({ turns: ['Hi', 'Hello!'] })
    // Generated once (content version 1), then stored and reviewed: the change counter is at 3.
    await database.db
      .insertInto('conversation_versions')
      .values({
        conversation_id: id,
        version: 1,
        source: 'generated',
        title: 'First',
        turns: JSON.stringify([
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
        ]),
      })
      .execute()
    await database.db.updateTable('conversations').set({ version: 3, status: 'approved' }).where('id', '=', id).execute()
    const before = await (await app.request(`/conversations/${id}`, { headers: { cookie: adminCookie } })).text()
    expect(before).toMatch(/· version 1 <small[^>]*>\(revision 3\)<\/small>/)
    expect(before).toMatch(/v1 <small class="muted">\(current\)<\/small>/)

    const res = await app.request(`/conversations/${id}/turns/1`, form({ content: 'Hey', version: '3' }, { cookie: adminCookie }))
    expect(res.headers.get('location')).toBe(`/conversations/${id}?done=edited&changed=2#turn-1`)
    const versions = await database.db
      .selectFrom('conversation_versions')
      .select(['version', 'source'])
      .where('conversation_id', '=', id)
      .orderBy('version')
      .execute()
    expect(versions).toEqual([
      { version: 1, source: 'generated' },
      { version: 2, source: 'edited' },
    ])
    const after = await (await app.request(res.headers.get('location')!, { headers: { cookie: adminCookie } })).text()
    expect(after).toContain('Turn saved as version 2.')
    expect(after).toMatch(/· version 2 <small[^>]*>\(revision 4\)<\/small>/)
    expect(after).toMatch(/v2 <small class="muted">\(current\)<\/small>/)
  })

  test('a viewer or reviewer cannot edit, and a turn that does not exist is a 404', async () => {
    const { id } = await addConversation()
    for (const role of ['viewer', 'reviewer'] as const) {
      const res = await app.request(`/conversations/${id}/turns/1`, form({ content: 'x', version: '1' }, { cookie: await cookieFor(role) }))
      expect(res.status).toBe(403)
    }
    expect((await app.request(`/conversations/${id}/turns/9`, form({ content: 'x', version: '1' }, { cookie: adminCookie }))).status).toBe(404)
    expect((await app.request(`/conversations/${id}/turns/1`, form({ content: '', version: '1' }, { cookie: adminCookie }))).status).toBe(400)
  })
})

describe('sending back to review after requested changes', () => {
  test('an editor sees "Send back to review" on a conversation that needs changes, and it goes back to the queue, recorded', async () => {
    const editor = await makeUser(database, 'editor')
    const cookie = await signIn(app, editor)
    const { id } = await addConversation({ status: 'needs_revision' })
    await database.db
      .insertInto('review_actions')
      .values({
        conversation_id: id,
        reviewer_id: admin.id,
        action: 'request_changes',
        from_status: 'pending_review',
        to_status: 'needs_revision',
        comment: 'Make it shorter.',
      })
      .execute()
    const page = await (await app.request(`/conversations/${id}`, { headers: { cookie } })).text()
    expect(page).toContain(`action="/conversations/${id}/resubmit"`)
    expect(page).toContain('Make it shorter.')

    const res = await app.request(`/conversations/${id}/resubmit`, form({ version: '1' }, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/conversations/${id}?done=resubmitted`)
    const row = await database.db.selectFrom('conversations').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(row).toEqual({ status: 'pending_review', version: 2 })
    const last = await database.db
      .selectFrom('review_actions')
      .select(['action', 'reviewer_id', 'from_status', 'to_status'])
      .where('action', '=', 'resubmitted')
      .execute()
    expect(last).toEqual([{ action: 'resubmitted', reviewer_id: editor.id, from_status: 'needs_revision', to_status: 'pending_review' }])
    const after = await (await app.request(res.headers.get('location')!, { headers: { cookie } })).text()
    expect(after).toContain('Sent back to review.')
    expect(after).not.toContain(`action="/conversations/${id}/resubmit"`)
  })

  test('resubmitting a stale copy or a conversation that does not need changes is a 409; viewers and reviewers get 403', async () => {
    const editorCookie = await cookieFor('editor')
    const waiting = await addConversation({ status: 'needs_revision' })
    const stale = await app.request(`/conversations/${waiting.id}/resubmit`, form({ version: '7' }, { cookie: editorCookie, accept: 'application/json' }))
    expect(stale.status).toBe(409)
    expect((await stale.json()).error.message).toContain('you saw revision 7, it is now revision 1')
    const approved = await addConversation({ status: 'approved' })
    const notWaiting = await app.request(`/conversations/${approved.id}/resubmit`, form({ version: '1' }, { cookie: editorCookie }))
    expect(notWaiting.status).toBe(409)
    expect(await notWaiting.text()).toContain('only one sent back for changes can be sent back to review')
    expect((await app.request(`/conversations/${waiting.id}/resubmit`, form({}, { cookie: editorCookie }))).status).toBe(400)
    for (const role of ['viewer', 'reviewer'] as const) {
      expect((await app.request(`/conversations/${waiting.id}/resubmit`, form({ version: '1' }, { cookie: await cookieFor(role) }))).status).toBe(403)
    }
    const rows = await database.db
      .selectFrom('conversations')
      .select(['status', 'version'])
      .where('id', 'in', [waiting.id, approved.id])
      .orderBy('status')
      .execute()
    expect(rows).toEqual([
      { status: 'approved', version: 1 },
      { status: 'needs_revision', version: 1 },
    ])
    expect(await database.db.selectFrom('review_actions').selectAll().execute()).toEqual([])
  })

  test('an editor can move conversations back to review in bulk, but not approve or reject them', async () => {
    const editor = await makeUser(database, 'editor')
    const cookie = await signIn(app, editor)
    const a = await addConversation({ status: 'needs_revision' })
    const dashboard = await (await app.request('/', { headers: { cookie } })).text()
    expect(dashboard).toContain('value="move_to_review"')
    expect(dashboard).not.toContain('value="approve"')
    const res = await app.request('/conversations/bulk', json({ action: 'move_to_review', ids: [a.id], confirmed: true }, { cookie, origin: ORIGIN }))
    expect(res.status).toBe(200)
    expect((await res.json()).changed).toBe(1)
    const recorded = await database.db.selectFrom('review_actions').select(['action', 'reviewer_id', 'from_status', 'to_status']).execute()
    expect(recorded).toEqual([{ action: 'move_to_review', reviewer_id: editor.id, from_status: 'needs_revision', to_status: 'pending_review' }])
  })
})

describe('bulk actions', () => {
  async function statuses(ids: string[]) {
    const rows = await database.db.selectFrom('conversations').select(['id', 'status', 'version']).where('id', 'in', ids).execute()
    return Object.fromEntries(rows.map((r) => [r.id, [r.status, r.version]]))
  }

  test('approving the selection asks for confirmation with the count, then records one review action each and bumps versions', async () => {
    const reviewer = await makeUser(database, 'reviewer')
    const cookie = await signIn(app, reviewer)
    const a = await addConversation()
    const b = await addConversation()
    const done = await addConversation({ status: 'approved' })
    const ids = [a.id, b.id, done.id]
    const fields = new URLSearchParams([['action', 'approve'], ['scope', 'selected'], ...ids.map((id) => ['ids', id])])
    const ask = await app.request('/conversations/bulk', {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    })
    expect(ask.status).toBe(200)
    const confirm = await ask.text()
    expect(confirm).toContain('Approve 2 conversations?')
    expect(confirm).toContain('1 of them will be left alone')
    expect(await statuses(ids)).toEqual({ [a.id]: ['pending_review', 1], [b.id]: ['pending_review', 1], [done.id]: ['approved', 1] })

    fields.set('confirmed', 'true')
    const go = await app.request('/conversations/bulk', {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: fields.toString(),
    })
    expect(go.status).toBe(303)
    expect(go.headers.get('location')).toContain('done=approve&changed=2')
    expect(await statuses(ids)).toEqual({ [a.id]: ['approved', 2], [b.id]: ['approved', 2], [done.id]: ['approved', 1] })
    const actions = await database.db.selectFrom('review_actions').selectAll().orderBy('conversation_id').execute()
    expect(actions.map((r) => [r.conversation_id, r.reviewer_id, r.action, r.from_status, r.to_status]).sort()).toEqual(
      [a.id, b.id].sort().map((id) => [id, reviewer.id, 'approve', 'pending_review', 'approved']),
    )
    const page = await (await app.request(go.headers.get('location')!, { headers: { cookie } })).text()
    expect(page).toContain('Approved 2 conversations.')
  })

  test('"everything matching this filter" changes every match in one go', async () => {
    await seedConversations(database.db, { count: 150, parallel: 1 })
    const matching = await database.db.selectFrom('conversations').select('id').where('status', '=', 'pending_review').where('tier', '=', 'T1').execute()
    const res = await app.request(
      '/conversations/bulk',
      json({ action: 'reject', scope: 'filter', status: ['pending_review'], tier: 'T1', confirmed: true }, { cookie: adminCookie, origin: ORIGIN }),
    )
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ action: 'reject', matched: matching.length, changed: matching.length, confirmed: true })
    const left = await database.db.selectFrom('conversations').select('id').where('status', '=', 'pending_review').where('tier', '=', 'T1').execute()
    expect(left).toEqual([])
    const recorded = await database.db
      .selectFrom('review_actions')
      .select(sql<string>`count(*)`.as('n'))
      .where('action', '=', 'reject')
      .where('reviewer_id', '=', admin.id)
      .executeTakeFirstOrThrow()
    expect(Number(recorded.n)).toBe(matching.length)
  })

  test('moving to review and deleting in bulk', async () => {
    const a = await addConversation({ status: 'rejected' })
    const b = await addConversation({ status: 'approved' })
    const move = await app.request(
      '/conversations/bulk',
      json({ action: 'move_to_review', ids: [a.id, b.id], confirmed: true }, { cookie: adminCookie, origin: ORIGIN }),
    )
    expect((await move.json()).changed).toBe(2)
    expect(await statuses([a.id, b.id])).toEqual({ [a.id]: ['pending_review', 2], [b.id]: ['pending_review', 2] })
    const del = await app.request('/conversations/bulk', json({ action: 'delete', ids: [a.id], confirmed: true }, { cookie: adminCookie, origin: ORIGIN }))
    expect((await del.json()).changed).toBe(1)
    expect((await list('')).items.map((i) => i.id)).toEqual([b.id])
  })

  test('a bulk action on more than 5,000 conversations runs as a job, and trashed conversations are never bulk-changed', async () => {
    await seedConversations(database.db, { count: 5100, parallel: 2 })
    const res = await app.request('/conversations/bulk', json({ action: 'delete', scope: 'filter', confirmed: true }, { cookie: adminCookie, origin: ORIGIN }))
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ action: 'delete', matched: 5100, queued: 5100, confirmed: true })
    expect((await list('limit=1')).items).toHaveLength(1)
    const { rows } = await sql<{ payload: unknown }>`
      select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'bulk_conversations'`.execute(database.db)
    expect(rows).toHaveLength(1)
    const { deps } = testApp(database)
    await taskList(deps).bulk_conversations!(rows[0]!.payload, {} as JobHelpers)
    expect((await list('')).items).toEqual([])
    const trashed = await app.request(
      '/conversations/bulk',
      json({ action: 'move_to_review', scope: 'filter', deleted: 'include', confirmed: true }, { cookie: adminCookie, origin: ORIGIN }),
    )
    expect(trashed.status).toBe(400)
  })

  test('a bulk action on an empty selection, or a filter matching nothing, is a 400 and changes nothing', async () => {
    const a = await addConversation()
    const empty = await app.request('/conversations/bulk', form({ action: 'approve', scope: 'selected', confirmed: 'true' }, { cookie: adminCookie }))
    expect(empty.status).toBe(400)
    expect(await empty.text()).toContain('Select at least one conversation')
    const nothing = await app.request(
      '/conversations/bulk',
      json({ action: 'approve', scope: 'filter', status: 'failed', confirmed: true }, { cookie: adminCookie, origin: ORIGIN }),
    )
    expect(nothing.status).toBe(400)
    expect((await nothing.json()).error.message).toBe('No conversation matches this filter.')
    const unknown = await app.request('/conversations/bulk', json({ action: 'explode', ids: [a.id] }, { cookie: adminCookie, origin: ORIGIN }))
    expect(unknown.status).toBe(400)
    expect(await statuses([a.id])).toEqual({ [a.id]: ['pending_review', 1] })
  })

  test('a viewer cannot bulk-change conversations, and a reviewer cannot bulk-delete', async () => {
    const a = await addConversation()
    const viewer = await app.request('/conversations/bulk', form({ action: 'approve', ids: a.id, confirmed: 'true' }, { cookie: await cookieFor('viewer') }))
    expect(viewer.status).toBe(403)
    const reviewer = await app.request('/conversations/bulk', form({ action: 'delete', ids: a.id, confirmed: 'true' }, { cookie: await cookieFor('reviewer') }))
    expect(reviewer.status).toBe(403)
    const editor = await app.request('/conversations/bulk', form({ action: 'approve', ids: a.id, confirmed: 'true' }, { cookie: await cookieFor('editor') }))
    expect(editor.status).toBe(403)
    expect(await statuses([a.id])).toEqual({ [a.id]: ['pending_review', 1] })
    const viewerPage = await (await app.request('/', { headers: { cookie: await cookieFor('viewer') } })).text()
    expect(viewerPage).not.toContain('id="bulk"')
  })

  test('bulk export sends the filter or the selection to the export page', async () => {
    const a = await addConversation()
    const byFilter = await app.request(
      '/conversations/bulk',
      form({ action: 'export', scope: 'filter', status: 'approved', q: 'refund' }, { cookie: adminCookie }),
    )
    expect(byFilter.status).toBe(303)
    expect(byFilter.headers.get('location')).toBe('/exports/new?status=approved&q=refund')
    const bySelection = await app.request('/conversations/bulk', form({ action: 'export', ids: a.id }, { cookie: adminCookie }))
    expect(bySelection.headers.get('location')).toBe(`/exports/new?conversation_ids=${a.id}`)
  })
})
