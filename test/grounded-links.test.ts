import { beforeEach, describe, expect, test } from 'vitest'
import { encodeCursor } from '../src/http/cursor'
import { type App, form, json, makeUser, ORIGIN, signIn, useApp } from './helpers/app'
import { insertDocumentWithChunks, type SeededDocument } from './helpers/chunks'
import type { TestDatabase } from './helpers/db'
import { insertGroundedConversation } from './helpers/grounded'

let database: TestDatabase
let app: App
let cookie: string
let policy: SeededDocument
let manual: SeededDocument

useApp('admin', (t) => ({ database, app, cookie } = t))
beforeEach(async () => {
  policy = await insertDocumentWithChunks(
    database.db,
    'Refund policy',
    ['Refunds are issued within fourteen days.', 'Gift cards cannot be exchanged for cash.'],
    {
      headings: [
        ['Refunds', 'Timing'],
        ['Refunds', 'Gift cards'],
      ],
    },
  )
  manual = await insertDocumentWithChunks(database.db, 'Router manual', ['Hold the reset button for ten seconds.'])
})

type Item = {
  id: string
  title: string
  parent_chunk_id: string | null
  chunk_source: { document_id: string; document_title: string; heading_path: string[] } | null
}
type Page = { items: Item[]; next_cursor: string | null }

const get = (path: string, who = cookie) => app.request(path, { headers: { cookie: who, accept: 'application/json' } })
async function list(path: string): Promise<Page> {
  const res = await get(path)
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json()
}
const ids = (page: Page) => page.items.map((i) => i.id).sort()
const link = (id: string, body: unknown, who = cookie) => app.request(`/api/conversations/${id}/link-chunk`, json(body, { cookie: who }))
const unlink = (id: string, who = cookie) =>
  app.request(`/api/conversations/${id}/unlink-chunk`, { method: 'DELETE', headers: { cookie: who, accept: 'application/json', origin: ORIGIN } })
const row = (id: string) => database.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirstOrThrow()

describe('linking a conversation to a chunk', () => {
  test('copies the chunk into the conversation: link, text, heading path, document and dimensions, and bumps the version', async () => {
    await database.db
      .updateTable('chunks')
      .set({ dimension_source: JSON.stringify({ personas: [{ name: 'customer', confidence: 0.8 }], emotions: [], topics: [], complexity: 3 }) })
      .where('id', '=', policy.chunkIds[1]!)
      .execute()
    const plain = await insertGroundedConversation(database.db, null)
    const before = await row(plain.id)

    const res = await link(plain.id, { chunk_id: policy.chunkIds[1] })
    expect(res.status, await res.clone().text()).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({ id: plain.id, version: before.version + 1, parent_chunk_id: policy.chunkIds[1] })

    const after = await row(plain.id)
    expect(after.parent_chunk_id).toBe(policy.chunkIds[1])
    expect(after.chunk_context).toEqual({
      chunk_id: policy.chunkIds[1],
      document_id: policy.id,
      document_title: 'Refund policy',
      heading_path: ['Refunds', 'Gift cards'],
      text: 'Gift cards cannot be exchanged for cash.',
    })
    expect(after.dimension_source).toMatchObject({ complexity: 3, personas: [{ name: 'customer' }] })
    expect(after.version).toBe(before.version + 1)
  })

  test('answers 404 for an unknown chunk or conversation, 400 for a malformed chunk id, and changes nothing', async () => {
    const { id } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    const before = await row(id)
    expect((await link(id, { chunk_id: crypto.randomUUID() })).status).toBe(404)
    expect((await link(crypto.randomUUID(), { chunk_id: policy.chunkIds[1] })).status).toBe(404)
    const malformed = await link(id, { chunk_id: 'not-a-chunk' })
    expect(malformed.status).toBe(400)
    expect((await malformed.json()).error.fields).toHaveProperty('chunk_id')
    expect(await row(id)).toEqual(before)
  })

  test('refuses a stale version with 409 when the linker sends the one they saw', async () => {
    const { id } = await insertGroundedConversation(database.db, null)
    const { version } = await row(id)
    expect((await link(id, { chunk_id: policy.chunkIds[0], version })).status).toBe(200)
    const stale = await link(id, { chunk_id: policy.chunkIds[1], version })
    expect(stale.status).toBe(409)
    expect((await row(id)).parent_chunk_id).toBe(policy.chunkIds[0])
  })

  test('is for editors and admins: a viewer or a reviewer gets 403 and nothing changes', async () => {
    const { id } = await insertGroundedConversation(database.db, null)
    const editor = await signIn(app, await makeUser(database, 'editor'))
    for (const role of ['viewer', 'reviewer'] as const) {
      const other = await signIn(app, await makeUser(database, role))
      expect((await link(id, { chunk_id: policy.chunkIds[0] }, other)).status).toBe(403)
      expect((await unlink(id, other)).status).toBe(403)
    }
    expect((await row(id)).chunk_context).toBeNull()
    expect((await link(id, { chunk_id: policy.chunkIds[0] }, editor)).status).toBe(200)
  })
})

describe('unlinking', () => {
  test('clears the link and the saved source, so the conversation is neither grounded nor orphaned', async () => {
    const { id } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    const before = await row(id)
    const res = await unlink(id)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ id, version: before.version + 1, parent_chunk_id: null, chunk_context: null })
    const after = await row(id)
    expect([after.parent_chunk_id, after.chunk_context, after.dimension_source]).toEqual([null, null, null])
    expect(ids(await list('/api/conversations/orphaned'))).toEqual([])
    expect(ids(await list('/api/conversations?grounded=true'))).toEqual([])
  })

  test('is idempotent for a conversation without a source, and 404 for an unknown one', async () => {
    const { id } = await insertGroundedConversation(database.db, null)
    const before = await row(id)
    expect((await unlink(id)).status).toBe(200)
    expect((await row(id)).version).toBe(before.version)
    expect((await unlink(crypto.randomUUID())).status).toBe(404)
  })
})

describe('listing by chunk and orphans', () => {
  test('by-chunk lists the conversations linked to that chunk, keyset paged', async () => {
    const made = []
    for (let i = 0; i < 3; i++) made.push((await insertGroundedConversation(database.db, policy.chunkIds[0]!, { title: `Timing ${i}` })).id)
    await insertGroundedConversation(database.db, policy.chunkIds[1]!)
    await insertGroundedConversation(database.db, null)

    const first = await list(`/api/conversations/by-chunk/${policy.chunkIds[0]}?limit=2`)
    expect(first.items.map((i) => i.title)).toEqual(['Timing 2', 'Timing 1'])
    expect(first.next_cursor).toEqual(expect.any(String))
    const second = await list(`/api/conversations/by-chunk/${policy.chunkIds[0]}?limit=2&cursor=${first.next_cursor}`)
    expect(second.items.map((i) => i.title)).toEqual(['Timing 0'])
    expect(second.next_cursor).toBeNull()
    expect(first.items[0]!.chunk_source).toEqual({
      chunk_id: policy.chunkIds[0],
      document_id: policy.id,
      document_title: 'Refund policy',
      heading_path: ['Refunds', 'Timing'],
    })
  })

  test('by-chunk answers 404 for an unknown or malformed chunk id, and 400 for a cursor it did not give out', async () => {
    expect((await get(`/api/conversations/by-chunk/${crypto.randomUUID()}`)).status).toBe(404)
    expect((await get('/api/conversations/by-chunk/nope')).status).toBe(404)
    for (const cursor of ['garbage', encodeCursor(['created_desc', 'not a time', crypto.randomUUID()])]) {
      const res = await get(`/api/conversations/by-chunk/${policy.chunkIds[0]}?cursor=${cursor}`)
      expect(res.status).toBe(400)
      expect((await res.json()).error.fields).toHaveProperty('cursor')
    }
    expect((await get(`/api/conversations/orphaned?cursor=${encodeCursor(['created_desc', '2026-01-01T00:00:00Z', 'not-a-uuid'])}`)).status).toBe(400)
  })

  test('deleting a document orphans its conversations: they keep their context and are listed, trashed ones are not', async () => {
    const orphan = await insertGroundedConversation(database.db, policy.chunkIds[0]!, { title: 'Will be orphaned' })
    const trashed = await insertGroundedConversation(database.db, policy.chunkIds[1]!)
    await database.db.updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', trashed.id).execute()
    const other = await insertGroundedConversation(database.db, manual.chunkIds[0]!)
    expect(ids(await list('/api/conversations/orphaned'))).toEqual([])

    const res = await app.request(`/api/documents/${policy.id}`, { method: 'DELETE', headers: { cookie, origin: ORIGIN, accept: 'application/json' } })
    expect(res.status).toBe(204)

    const orphans = await list('/api/conversations/orphaned')
    expect(ids(orphans)).toEqual([orphan.id])
    expect(orphans.items[0]).toMatchObject({ parent_chunk_id: null, chunk_source: { document_title: 'Refund policy', heading_path: ['Refunds', 'Timing'] } })
    expect((await row(orphan.id)).chunk_context).toEqual(orphan.context)
    expect(ids(await list(`/api/conversations/by-chunk/${manual.chunkIds[0]}`))).toEqual([other.id])
  })

  test('orphans pages walk every orphan once with the shared cursor', async () => {
    const made = []
    for (let i = 0; i < 5; i++) made.push((await insertGroundedConversation(database.db, policy.chunkIds[i % 2]!)).id)
    await database.db.deleteFrom('chunks').where('document_id', '=', policy.id).execute()
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: Page = await list(`/api/conversations/orphaned?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.items.map((i) => i.id))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen.sort()).toEqual(made.sort())
  })
})

describe('the orphans page', () => {
  test('lists each orphan with its document and heading path, and re-linking from it restores the source', async () => {
    const orphan = await insertGroundedConversation(database.db, policy.chunkIds[0]!, { title: 'Lost its chunk' })
    await database.db.deleteFrom('chunks').where('id', '=', policy.chunkIds[0]!).execute()

    const page = await app.request('/conversations/orphaned', { headers: { cookie } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Lost its chunk')
    expect(html).toContain('Refund policy')
    expect(html).toContain('Refunds › Timing')
    expect(html).toContain(`action="/conversations/${orphan.id}/link-chunk"`)
    expect(html).toContain(`/chunks?document_id=${policy.id}`)

    const res = await app.request(`/conversations/${orphan.id}/link-chunk`, form({ chunk_id: policy.chunkIds[1]!, back: 'orphans' }, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/conversations/orphaned?done=linked')
    expect((await row(orphan.id)).parent_chunk_id).toBe(policy.chunkIds[1])
    expect(ids(await list('/api/conversations/orphaned'))).toEqual([])
    const after = await (await app.request('/conversations/orphaned?done=linked', { headers: { cookie } })).text()
    expect(after).toContain('Linked to the chunk.')
    expect(after).toContain('No orphaned conversations.')
  })

  test('a wrong chunk id in the form goes back with a sentence and changes nothing; a cross-site post is refused', async () => {
    const orphan = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    await database.db.deleteFrom('chunks').where('id', '=', policy.chunkIds[0]!).execute()
    const before = await row(orphan.id)

    const wrong = await app.request(`/conversations/${orphan.id}/link-chunk`, form({ chunk_id: crypto.randomUUID(), back: 'orphans' }, { cookie }))
    expect(wrong.status).toBe(303)
    expect(wrong.headers.get('location')).toBe('/conversations/orphaned?done=no_chunk')
    const forged = await app.request(
      `/conversations/${orphan.id}/link-chunk`,
      form({ chunk_id: policy.chunkIds[1]! }, { cookie, origin: 'https://evil.example' }),
    )
    expect(forged.status).toBe(403)
    expect(await row(orphan.id)).toEqual(before)
  })
})

describe('dashboard filters by source', () => {
  test('document_id, chunk_id, grounded and orphaned each select their conversations, and combine', async () => {
    const timing = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    const gift = await insertGroundedConversation(database.db, policy.chunkIds[1]!)
    const router = await insertGroundedConversation(database.db, manual.chunkIds[0]!)
    const plain = await insertGroundedConversation(database.db, null)
    // Re-chunked away: the chunk goes, the document stays.
    await database.db.deleteFrom('chunks').where('id', '=', policy.chunkIds[1]!).execute()

    expect(ids(await list(`/api/conversations?document_id=${policy.id}`))).toEqual([timing.id, gift.id].sort())
    expect(ids(await list(`/api/conversations?chunk_id=${policy.chunkIds[0]}`))).toEqual([timing.id])
    expect(ids(await list('/api/conversations?grounded=true'))).toEqual([timing.id, gift.id, router.id].sort())
    expect(ids(await list('/api/conversations?grounded=false'))).toEqual([plain.id])
    expect(ids(await list('/api/conversations?orphaned=true'))).toEqual([gift.id])
    expect(ids(await list('/api/conversations?orphaned=false'))).toEqual([timing.id, router.id, plain.id].sort())
    expect(ids(await list(`/api/conversations?document_id=${policy.id}&orphaned=true`))).toEqual([gift.id])
    expect(ids(await list(`/api/conversations?document_id=${manual.id}&grounded=true`))).toEqual([router.id])
    expect(ids(await list(`/api/conversations?document_id=${manual.id}&orphaned=true`))).toEqual([])
  })

  test('malformed filter values are a 400 naming the field', async () => {
    for (const [field, value] of [
      ['document_id', 'x'],
      ['chunk_id', '12'],
      ['grounded', 'maybe'],
      ['orphaned', 'yes please'],
    ]) {
      const res = await get(`/api/conversations?${field}=${encodeURIComponent(value!)}`)
      expect(res.status).toBe(400)
      expect((await res.json()).error.fields).toHaveProperty(field!)
    }
  })

  test('the dashboard form offers the filters and keeps them in the page', async () => {
    await insertGroundedConversation(database.db, policy.chunkIds[0]!, { title: 'About timing' })
    await insertGroundedConversation(database.db, null, { title: 'Not grounded at all' })
    const html = await (await app.request(`/?document_id=${policy.id}&grounded=true`, { headers: { cookie } })).text()
    expect(html).toContain('About timing')
    expect(html).not.toContain('Not grounded at all')
    expect(html).toMatch(new RegExp(`<option value="${policy.id}" selected[^>]*>Refund policy</option>`))
    expect(html).toMatch(/<option value="true" selected[^>]*>Grounded in a chunk<\/option>/)
    expect(html).toContain('name="orphaned"')
    expect(html).toContain('href="/conversations/orphaned"')
  })
})

describe('the conversation page source section', () => {
  test('links to the chunk and the document with the heading path', async () => {
    const { id } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    const html = await (await app.request(`/conversations/${id}`, { headers: { cookie } })).text()
    const source = html.slice(html.indexOf('id="source"'))
    expect(source).toContain(`href="/chunks/${policy.chunkIds[0]}"`)
    expect(source).toContain(`href="/documents/${policy.id}"`)
    expect(source).toContain('Refunds › Timing')
    expect(source).not.toContain('is gone')
  })

  test('for an orphan says the chunk is gone, shows the saved text and offers re-linking', async () => {
    const { id } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    await database.db.deleteFrom('chunks').where('id', '=', policy.chunkIds[0]!).execute()
    const html = await (await app.request(`/conversations/${id}`, { headers: { cookie } })).text()
    const source = html.slice(html.indexOf('id="source"'))
    expect(source).toContain('is gone')
    expect(source).toContain('Refunds are issued within fourteen days.')
    expect(source).toContain(`action="/conversations/${id}/link-chunk"`)
    expect(source).not.toContain('href="/chunks/')

    const res = await app.request(`/conversations/${id}/link-chunk`, form({ chunk_id: policy.chunkIds[1]! }, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/conversations/${id}?done=linked#source`)
  })

  test('removing the source from the page unlinks it and says so; the JSON carries the source fields', async () => {
    const { id, context } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    const detail = await (await get(`/api/conversations/${id}`)).json()
    expect(detail).toMatchObject({ parent_chunk_id: policy.chunkIds[0], chunk_context: context })
    const res = await app.request(`/conversations/${id}/unlink-chunk`, form({}, { cookie }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/conversations/${id}?done=unlinked#source`)
    expect((await row(id)).chunk_context).toBeNull()
    const html = await (await app.request(res.headers.get('location')!, { headers: { cookie } })).text()
    expect(html).toContain('Unlinked from its chunk.')
    expect(html).toContain('Not grounded in a document.')
  })

  test('a viewer sees the source but no re-link or remove forms', async () => {
    const { id } = await insertGroundedConversation(database.db, policy.chunkIds[0]!)
    await database.db.deleteFrom('chunks').where('id', '=', policy.chunkIds[0]!).execute()
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    const html = await (await app.request(`/conversations/${id}`, { headers: { cookie: viewer } })).text()
    expect(html).toContain('Refunds are issued within fourteen days.')
    expect(html).not.toContain('/link-chunk')
    expect(html).not.toContain('/unlink-chunk')
  })
})
