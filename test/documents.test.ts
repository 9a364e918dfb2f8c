import { sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { createApiToken } from '../src/auth/tokens'
import type { Deps } from '../src/deps'
import { ingestDocument } from '../src/documents/ingest'
import { CHUNKS_PER_DOCUMENT, seedDocuments } from '../src/documents/seed'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import { json, makeUser, ORIGIN, signIn, type TestUser, testApp } from './helpers/app'
import { createTestDatabase, type TestDatabase, truncateAll } from './helpers/db'
import { makeDocx, makePdf } from './helpers/document-fixtures'
import { insertConversation } from './helpers/export-fixtures'
import { waitFor } from './helpers/generation'

type DocumentJson = {
  id: string
  title: string
  format: string
  bytes: number
  sha256: string
  status: 'processing' | 'ready' | 'failed'
  error?: string
  chunk_count: number
  chunk_options: { max_tokens: number; overlap_tokens: number; by_headings: boolean }
}
type ErrorJson = { error: { code: string; message: string; existing?: { id: string; title: string } } }

let database: TestDatabase
let app: ReturnType<typeof testApp>['app']
let deps: Deps
let worker: WorkerHandle
let editor: TestUser
let auth: Record<string, string>

beforeAll(async () => {
  database = await createTestDatabase()
  ;({ app, deps } = testApp(database))
  worker = await startWorker(deps, database.pool)
})
afterAll(async () => {
  await worker.stop()
  await database.drop()
})
beforeEach(async () => {
  await truncateAll(database)
  editor = await makeUser(database, 'editor')
  auth = { authorization: `Bearer ${(await createApiToken(database.db, editor.id, { name: 'pipeline', scope: 'write' })).token}` }
})

const utf8 = (s: string) => new TextEncoder().encode(s)

function multipart(files: { name: string; bytes: Uint8Array; type?: string }[], headers = auth): RequestInit {
  const body = new FormData()
  for (const f of files) body.append('file', new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? '' }))
  return { method: 'POST', headers, body }
}

async function upload(name: string, bytes: Uint8Array, type?: string): Promise<DocumentJson> {
  const res = await app.request('/api/documents', multipart([{ name, bytes, type }]))
  expect(res.status, await res.clone().text()).toBe(202)
  return res.json()
}

async function shown(id: string): Promise<DocumentJson> {
  const res = await app.request(`/api/documents/${id}`, { headers: auth })
  expect(res.status).toBe(200)
  return res.json()
}

const settled = (id: string) =>
  waitFor(
    async () => {
      const doc = await shown(id)
      return doc.status !== 'processing' && doc
    },
    20_000,
    `document ${id} to be processed`,
  )

const chunksOf = (documentId: string) =>
  database.db
    .selectFrom('chunks')
    .select(['id', 'ordinal', 'heading_path', 'text', 'tokens', 'char_start', 'char_end'])
    .where('document_id', '=', documentId)
    .orderBy('ordinal')
    .execute()

const HANDBOOK_MD = [
  '# Refunds',
  '',
  'Refunds are paid within 14 days of the return arriving at our warehouse.',
  '',
  '## Damaged items',
  '',
  'Send a photo of the damage and we replace the item at no cost.',
  '',
  '# Delivery',
  '',
  'Parcels leave the depot every weekday before noon.',
].join('\n')

describe('upload and ingest', () => {
  test('each format is read, chunked by a real worker and shown ready with its chunks in reading order', async () => {
    const docx = await makeDocx([
      { text: 'Travel policy', style: 'Title' },
      { text: 'Flights', style: 'Heading1' },
      { text: 'Book economy for flights under six hours.' },
    ])
    const uploads = [
      { name: 'notes.txt', bytes: utf8('Plain notes about the returns desk.\n\nIt opens at nine.'), format: 'text' },
      { name: 'handbook.md', bytes: utf8(HANDBOOK_MD), format: 'markdown' },
      {
        name: 'faq.html',
        bytes: utf8('<html><head><title>FAQ</title></head><body><h1>Orders</h1><p>Orders ship in two days.</p></body></html>'),
        format: 'html',
      },
      { name: 'manual.pdf', bytes: makePdf([['Warranty terms', 'The warranty lasts two years.']], 'Product manual'), format: 'pdf' },
      { name: 'travel.docx', bytes: docx, format: 'docx' },
    ]
    for (const u of uploads) {
      const accepted = await upload(u.name, u.bytes)
      expect(accepted).toMatchObject({ format: u.format, bytes: u.bytes.length, status: 'processing', chunk_count: 0 })
      expect(accepted.sha256).toMatch(/^[0-9a-f]{64}$/)
      const doc = await settled(accepted.id)
      expect(doc.status, `${u.name}: ${doc.error}`).toBe('ready')
      expect(doc.error).toBeUndefined()
      const chunks = await chunksOf(doc.id)
      expect(doc.chunk_count).toBe(chunks.length)
      expect(chunks.length).toBeGreaterThan(0)
      expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i))
    }
    const [pdf] = await database.db.selectFrom('documents').select(['title', 'source', 'text']).where('format', '=', 'pdf').execute()
    expect(pdf).toMatchObject({ title: 'Product manual', source: null })
    expect(pdf!.text).toContain('The warranty lasts two years.')
    const md = await database.db.selectFrom('documents').select('id').where('format', '=', 'markdown').executeTakeFirstOrThrow()
    const paths = (await chunksOf(md.id)).map((c) => c.heading_path)
    expect(paths).toEqual([['Refunds'], ['Refunds', 'Damaged items'], ['Delivery']])
  })

  test('JSON {title, text} becomes a text document chunked from that text', async () => {
    const res = await app.request('/api/documents', json({ title: 'Pasted policy', text: 'Returns are free for members.' }, auth))
    expect(res.status).toBe(202)
    const doc = await settled(((await res.json()) as DocumentJson).id)
    expect(doc).toMatchObject({ title: 'Pasted policy', format: 'text', status: 'ready', chunk_count: 1 })
    expect((await chunksOf(doc.id))[0]!.text).toBe('Returns are free for members.')
  })

  test('several files in one request each become a document, and a bad one is refused without sinking the rest', async () => {
    const res = await app.request(
      '/api/documents',
      multipart([
        { name: 'a.txt', bytes: utf8('First document.') },
        { name: 'b.md', bytes: utf8('# Second\n\nSecond document.') },
        { name: 'photo.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]) },
      ]),
    )
    expect(res.status).toBe(202)
    const body = (await res.json()) as { items: DocumentJson[]; refused: { filename: string; status: number }[] }
    expect(body.items.map((d) => d.title)).toEqual(['a', 'b'])
    expect(body.refused).toMatchObject([{ filename: 'photo.png', status: 415 }])
    for (const item of body.items) expect((await settled(item.id)).status).toBe('ready')
  })

  test('uploading the same content again answers 409 naming the existing document', async () => {
    const first = await upload('policy.txt', utf8('The one and only policy.'))
    const res = await app.request('/api/documents', multipart([{ name: 'copy-of-policy.txt', bytes: utf8('The one and only policy.') }]))
    expect(res.status).toBe(409)
    const body = (await res.json()) as ErrorJson
    expect(body.error.existing).toEqual({ id: first.id, title: 'policy' })
    expect(body.error.message).toContain('"policy"')
    const count = await database.db
      .selectFrom('documents')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(1)
  })

  test('a file that is not a document answers 415 and stores nothing', async () => {
    const res = await app.request(
      '/api/documents',
      multipart([{ name: 'cat.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), type: 'image/jpeg' }]),
    )
    expect(res.status).toBe(415)
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/JPEG image.*Upload plain text/)
    expect(await database.db.selectFrom('documents').select('id').execute()).toEqual([])
  })

  test('an empty file, a whitespace-only file and empty JSON text answer 400 and store nothing', async () => {
    for (const init of [
      multipart([{ name: 'empty.txt', bytes: new Uint8Array() }]),
      multipart([{ name: 'blank.md', bytes: utf8(' \n\n\t  \r\n') }]),
      json({ title: 'Nothing', text: '   ' }, auth),
      multipart([]),
    ]) {
      const res = await app.request('/api/documents', init)
      expect(res.status).toBe(400)
    }
    expect(await database.db.selectFrom('documents').select('id').execute()).toEqual([])
  })

  test('a new document is cut with the instance defaults (CHUNK_MAX_TOKENS, CHUNK_OVERLAP_TOKENS, CHUNK_BY_HEADINGS)', async () => {
    const tuned = testApp(database, { CHUNK_MAX_TOKENS: '64', CHUNK_OVERLAP_TOKENS: '8', CHUNK_BY_HEADINGS: 'false' }).app
    const text = Array.from({ length: 30 }, (_, i) => `Clause ${i} sets out one more duty of the tenant in plain words.`).join('\n\n')
    const res = await tuned.request('/api/documents', json({ title: 'Lease', text }, auth))
    expect(res.status).toBe(202)
    const created = (await res.json()) as DocumentJson
    expect(created).toMatchObject({ chunk_options: { max_tokens: 64, overlap_tokens: 8, by_headings: false } })
    await settled(created.id)
    const chunks = await chunksOf(created.id)
    expect(chunks.length).toBeGreaterThan(1)
    expect(chunks.every((c) => c.tokens <= 64)).toBe(true)
  })

  test('an upload over MAX_UPLOAD_BYTES answers 413 with a clear message, while uploads may exceed MAX_BODY_BYTES', async () => {
    const small = testApp(database, { MAX_UPLOAD_BYTES: '4096', MAX_BODY_BYTES: '1024' }).app
    const fits = await small.request('/api/documents', multipart([{ name: 'fits.txt', bytes: utf8('x '.repeat(1500)) }]))
    expect(fits.status).toBe(202)
    for (const bytes of [utf8('y '.repeat(3000)), utf8('z '.repeat(200_000))]) {
      const res = await small.request('/api/documents', multipart([{ name: 'big.txt', bytes }]))
      expect(res.status).toBe(413)
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/larger than the 4 KB this server accepts for a document \(MAX_UPLOAD_BYTES\)/)
    }
    const pasted = await small.request('/api/documents', json({ title: 'Long', text: 'w '.repeat(2500) }, auth))
    expect(pasted.status).toBe(413)
    // Every other route keeps the small general limit.
    const other = await small.request('/api/templates', json({ name: 'n'.repeat(2000) }, auth))
    expect(other.status).toBe(413)
  })

  test('a corrupt PDF is marked failed with the reason, with no chunks and no bytes kept', async () => {
    const broken = makePdf([['Some text']]).slice(0, 300)
    const doc = await settled((await upload('broken.pdf', broken)).id)
    expect(doc.status).toBe('failed')
    expect(doc.error).toMatch(/PDF is damaged or incomplete/)
    expect(doc.chunk_count).toBe(0)
    expect(await chunksOf(doc.id)).toEqual([])
    const row = await database.db.selectFrom('documents').select('source').where('id', '=', doc.id).executeTakeFirstOrThrow()
    expect(row.source).toBeNull()
    const again = await app.request('/api/documents', multipart([{ name: 'broken-again.pdf', bytes: broken }]))
    expect(again.status).toBe(409)
    expect(((await again.json()) as ErrorJson).error.message).toMatch(/failed to process: delete it to upload this content again/)
  })

  test('running the ingest task again on a ready document changes nothing', async () => {
    const doc = await settled((await upload('handbook.md', utf8(HANDBOOK_MD))).id)
    const before = await chunksOf(doc.id)
    await ingestDocument(deps, doc.id, { attempts: 1, maxAttempts: 3 })
    expect(await chunksOf(doc.id)).toEqual(before)
  })
})

describe('re-chunking', () => {
  const longText = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} explains one rule of the returns policy in a full sentence or two.`).join('\n\n')

  test('re-chunking with smaller chunks replaces the chunks from the stored text', async () => {
    const doc = await settled((await upload('rules.txt', utf8(longText))).id)
    const before = await chunksOf(doc.id)
    const res = await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 64, overlap_tokens: 0 }, auth))
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ status: 'processing', chunk_options: { max_tokens: 64, overlap_tokens: 0, by_headings: true } })
    const after = await settled(doc.id)
    const chunks = await chunksOf(doc.id)
    expect(after).toMatchObject({ status: 'ready', chunk_count: chunks.length })
    expect(chunks.length).toBeGreaterThan(before.length)
    expect(chunks.every((c) => c.tokens <= 64)).toBe(true)
    expect(chunks.filter((c) => before.some((b) => b.id === c.id))).toEqual([])
  })

  test('bad options answer 400 naming the field', async () => {
    const doc = await settled((await upload('rules.txt', utf8(longText))).id)
    const res = await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 100, overlap_tokens: 80 }, auth))
    expect(res.status).toBe(400)
    expect(JSON.stringify(await res.json())).toContain('overlap_tokens')
  })

  test('re-chunking is refused with 409 while a batch generates from its chunks, and while it is processing', async () => {
    const doc = await settled((await upload('rules.txt', utf8(longText))).id)
    const [chunk] = await chunksOf(doc.id)
    const conversation = await insertConversation(database.db, { turns: [] })
    await database.db.updateTable('conversations').set({ status: 'queued', parent_chunk_id: chunk!.id }).where('id', '=', conversation).execute()
    const refused = await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 64, overlap_tokens: 0 }, auth))
    expect(refused.status).toBe(409)
    expect(((await refused.json()) as ErrorJson).error.message).toMatch(/batch is generating conversations from this document's chunks/)
    expect(await chunksOf(doc.id)).toHaveLength(doc.chunk_count)

    await database.db.updateTable('conversations').set({ status: 'pending_review' }).where('id', '=', conversation).execute()
    await database.db.updateTable('documents').set({ status: 'processing' }).where('id', '=', doc.id).execute()
    const busy = await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 64, overlap_tokens: 0 }, auth))
    expect(busy.status).toBe(409)
    expect(((await busy.json()) as ErrorJson).error.message).toMatch(/still being processed/)
  })
})

describe('list, read and delete', () => {
  test('the list is newest first, searchable by title, paged by an opaque cursor, and a forged cursor is a 400', async () => {
    for (const title of ['Refund policy', 'Shipping guide', 'Refund FAQ']) {
      await app.request('/api/documents', json({ title, text: `${title} body text.` }, auth))
    }
    const first = await app.request('/api/documents?limit=2', { headers: auth })
    const page1 = (await first.json()) as { items: DocumentJson[]; next_cursor: string }
    expect(page1.items.map((d) => d.title)).toEqual(['Refund FAQ', 'Shipping guide'])
    const page2 = (await (await app.request(`/api/documents?limit=2&cursor=${page1.next_cursor}`, { headers: auth })).json()) as {
      items: DocumentJson[]
      next_cursor: string | null
    }
    expect(page2).toMatchObject({ items: [{ title: 'Refund policy' }], next_cursor: null })

    const found = (await (await app.request('/api/documents?q=refund', { headers: auth })).json()) as { items: DocumentJson[] }
    expect(found.items.map((d) => d.title)).toEqual(['Refund FAQ', 'Refund policy'])

    for (const cursor of ['not-a-cursor', Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url')]) {
      const res = await app.request(`/api/documents?cursor=${cursor}`, { headers: auth })
      expect(res.status).toBe(400)
    }
  })

  test('an unknown or malformed id is a 404', async () => {
    expect((await app.request('/api/documents/00000000-0000-4000-8000-000000000000', { headers: auth })).status).toBe(404)
    expect((await app.request('/api/documents/nope', { headers: auth })).status).toBe(404)
  })

  test('deleting a document deletes its chunks; its conversations keep chunk_context and lose parent_chunk_id', async () => {
    const doc = await settled((await upload('handbook.md', utf8(HANDBOOK_MD))).id)
    const [chunk] = await chunksOf(doc.id)
    const conversation = await insertConversation(database.db, { turns: [] })
    const context = { chunk_id: chunk!.id, text: chunk!.text, document_title: doc.title }
    await database.db
      .updateTable('conversations')
      .set({ parent_chunk_id: chunk!.id, chunk_context: JSON.stringify(context) })
      .where('id', '=', conversation)
      .execute()

    const res = await app.request(`/api/documents/${doc.id}`, { method: 'DELETE', headers: auth })
    expect(res.status).toBe(204)
    expect(await chunksOf(doc.id)).toEqual([])
    const kept = await database.db
      .selectFrom('conversations')
      .select(['parent_chunk_id', 'chunk_context'])
      .where('id', '=', conversation)
      .executeTakeFirstOrThrow()
    expect(kept).toEqual({ parent_chunk_id: null, chunk_context: context })
    expect((await app.request(`/api/documents/${doc.id}`, { method: 'DELETE', headers: auth })).status).toBe(404)
  })

  test('a chunk read before its document is deleted or re-chunked is not served from the cache afterwards', async () => {
    const longText = Array.from({ length: 40 }, (_, i) => `Rule ${i} of the warranty, written out in a full sentence or two.`).join('\n\n')
    const doc = await settled((await upload('warranty.txt', utf8(longText))).id)
    const [first] = await chunksOf(doc.id)
    expect((await app.request(`/api/chunks/${first!.id}`, { headers: auth })).status).toBe(200)
    expect((await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 64, overlap_tokens: 0 }, auth))).status).toBe(202)
    await settled(doc.id)
    expect((await app.request(`/api/chunks/${first!.id}`, { headers: auth })).status).toBe(404)

    const [second] = await chunksOf(doc.id)
    expect((await app.request(`/api/chunks/${second!.id}`, { headers: auth })).status).toBe(200)
    expect((await app.request(`/api/documents/${doc.id}`, { method: 'DELETE', headers: auth })).status).toBe(204)
    expect((await app.request(`/api/chunks/${second!.id}`, { headers: auth })).status).toBe(404)
  })

  test('a viewer reads documents but cannot upload, re-chunk or delete them', async () => {
    const doc = await upload('notes.txt', utf8('Readable by everyone.'))
    const viewer = await makeUser(database, 'viewer')
    const token = (await createApiToken(database.db, viewer.id, { name: 'viewer', scope: 'write' })).token
    const headers = { authorization: `Bearer ${token}` }
    expect((await app.request('/api/documents', { headers })).status).toBe(200)
    expect((await app.request(`/api/documents/${doc.id}`, { headers })).status).toBe(200)
    expect((await app.request('/api/documents', multipart([{ name: 'x.txt', bytes: utf8('Mine.') }], headers))).status).toBe(403)
    expect((await app.request(`/api/documents/${doc.id}/rechunk`, json({ max_tokens: 64, overlap_tokens: 0 }, headers))).status).toBe(403)
    expect((await app.request(`/api/documents/${doc.id}`, { method: 'DELETE', headers })).status).toBe(403)
    const cookie = await signIn(app, viewer)
    const page = await (await app.request('/documents', { headers: { cookie } })).text()
    expect(page).toContain('notes')
    expect(page).not.toContain('id="upload-form"')
  })
})

describe('pages', () => {
  test('the upload form works without JavaScript: a file posted to /documents lands on its page, which shows it ready with its chunks', async () => {
    const cookie = await signIn(app, editor)
    const body = new FormData()
    body.append('file', new File([utf8(HANDBOOK_MD)], 'handbook.md'))
    const res = await app.request('/documents', { method: 'POST', headers: { cookie, origin: ORIGIN }, body })
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/documents\/[0-9a-f-]{36}$/)
    await settled(location.split('/').pop()!)
    const page = await (await app.request(location, { headers: { cookie } })).text()
    expect(page).toContain('handbook.md')
    expect(page).toContain('Refunds › Damaged items')
    expect(page).toContain('/chunks?document_id=')
    expect(page).not.toContain('every 1s')
  })

  test('a processing document polls its status fragment; several files posted without JavaScript are listed with what was refused', async () => {
    const cookie = await signIn(app, editor)
    const body = new FormData()
    body.append('file', new File([utf8('One.')], 'one.txt'))
    body.append('file', new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], 'cat.jpg'))
    const res = await app.request('/documents', { method: 'POST', headers: { cookie, origin: ORIGIN }, body })
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('1 document uploaded')
    expect(html).toContain('cat.jpg: This looks like a JPEG image')

    const doc = await database.db.selectFrom('documents').select('id').executeTakeFirstOrThrow()
    // Once the worker is done with it, put it back mid-ingest as the task leaves it between steps.
    await settled(doc.id)
    await database.db
      .updateTable('documents')
      .set({ status: 'processing', progress: JSON.stringify({ step: 'chunking' }) })
      .where('id', '=', doc.id)
      .execute()
    const fragment = await (await app.request(`/documents/${doc.id}/status`, { headers: { cookie, 'hx-request': 'true' } })).text()
    expect(fragment).toContain('hx-trigger="every 1s"')
    expect(fragment).toContain('Cutting the text into chunks')
    expect(fragment).not.toContain('<html')
  })

  test('deleting from the page asks for confirmation first', async () => {
    const cookie = await signIn(app, editor)
    const doc = await settled((await upload('notes.txt', utf8('Short note.'))).id)
    const ask = await app.request(`/documents/${doc.id}/delete`, { method: 'POST', headers: { cookie, origin: ORIGIN } })
    expect(ask.status).toBe(200)
    expect(await ask.text()).toContain('name="confirmed" value="true"')
    expect(await shown(doc.id)).toMatchObject({ id: doc.id })
    const done = await app.request(`/documents/${doc.id}/delete`, {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'confirmed=true',
    })
    expect(done.status).toBe(303)
    expect((await app.request(`/api/documents/${doc.id}`, { headers: auth })).status).toBe(404)
  })

  test('the re-chunk form re-renders with the field error when the options are out of range', async () => {
    const cookie = await signIn(app, editor)
    const doc = await settled((await upload('notes.txt', utf8('Short note.'))).id)
    const res = await app.request(`/documents/${doc.id}/rechunk`, {
      method: 'POST',
      headers: { cookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'max_tokens=10&overlap_tokens=0&by_headings=true',
    })
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toContain('value="10"')
    expect(html).toContain('field-error')
  })
})

describe('seed', () => {
  test('seeded documents are ready, their chunks index the stored text exactly, most are analysed, and they re-chunk like uploads', async () => {
    const result = await seedDocuments(database.db, { count: 3 })
    expect(result).toMatchObject({ documents: 3, chunks: 3 * CHUNKS_PER_DOCUMENT })
    const listed = (await (await app.request('/api/documents', { headers: auth })).json()) as { items: DocumentJson[] }
    expect(listed.items).toHaveLength(3)
    expect(listed.items.every((d) => d.status === 'ready' && d.chunk_count === CHUNKS_PER_DOCUMENT)).toBe(true)

    const mismatched = await database.db
      .selectFrom('chunks')
      .innerJoin('documents', 'documents.id', 'chunks.document_id')
      .select('chunks.id')
      .where(sql<boolean>`substr(documents.text, chunks.char_start + 1, chunks.char_end - chunks.char_start) <> chunks.text`)
      .execute()
    expect(mismatched).toEqual([])
    const analysed = await database.db
      .selectFrom('chunks')
      .select(['personas', 'dimension_source', 'dimensions', 'complexity'])
      .where('analyzed_at', 'is not', null)
      .execute()
    expect(analysed.length).toBeGreaterThan(CHUNKS_PER_DOCUMENT)
    expect(analysed.length).toBeLessThan(3 * CHUNKS_PER_DOCUMENT)
    for (const chunk of analysed) {
      expect(chunk.personas).toEqual(chunk.dimension_source!.personas.map((p) => p.name))
      expect(chunk.complexity).toBe(chunk.dimension_source!.complexity)
      expect(Object.keys(chunk.dimensions!).length).toBeGreaterThan(40)
    }

    const doc = listed.items[0]!
    expect((await app.request(`/api/documents/${doc.id}/rechunk`, json({ by_headings: false, max_tokens: 2048, overlap_tokens: 0 }, auth))).status).toBe(202)
    const after = await settled(doc.id)
    expect(after.status).toBe('ready')
    expect(after.chunk_count).toBeLessThan(CHUNKS_PER_DOCUMENT)
  })
})
