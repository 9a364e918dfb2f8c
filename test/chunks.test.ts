import { sql } from 'kysely'
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { analyseChunk } from '../src/chunks/analysis'
import { forgetChunks } from '../src/chunks/cache'
import { toDimensionSource } from '../src/chunks/dimension-source'
import { DIMENSION_TOOL_NAME } from '../src/chunks/dimension-tool'
import { type ChunkListItem, saveChunkAnalysis } from '../src/chunks/queries'
import { simulateDimensionAnalysis } from '../src/chunks/simulated-dimensions'
import { createClaude } from '../src/claude/client'
import type { Deps } from '../src/deps'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import type { FakeAnthropic } from './fake-anthropic/server'
import { json, makeUser, ORIGIN, signIn, type TestUser, testApp, useApp } from './helpers/app'
import { insertDocumentWithChunks, type SeededDocument } from './helpers/chunks'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { setAiSettings, useFakeAnthropic, waitFor } from './helpers/generation'

let database: TestDatabase
let fake: FakeAnthropic
/** Without an API key: analysis goes to the in-process simulator. */
let simulated: ReturnType<typeof testApp>
/** With a key, pointed at the fake API: the real SDK over HTTP. */
let viaFake: ReturnType<typeof testApp>
let admin: TestUser
let editor: string
let viewer: string
const workers: WorkerHandle[] = []

useFakeAnthropic((f) => (fake = f))
useApp((t) => {
  database = t.database
  simulated = t
})
beforeAll(() => {
  viaFake = testApp(database, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url })
})
beforeEach(async () => {
  await emptyJobQueue(database)
  admin = await makeUser(database, 'admin')
  editor = await signIn(simulated.app, await makeUser(database, 'editor'))
  viewer = await signIn(simulated.app, await makeUser(database, 'viewer'))
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, max_retries: 3 })
})

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

async function worker(deps: Deps): Promise<void> {
  workers.push(await startWorker(deps, database.pool))
}

const REFUNDS = `Refund policy. If your order arrived damaged, you can return it within 30 days for a full refund.
Refunds are paid back to the card you used for the purchase. To start a return, sign in, open Orders and click Return.`
const API = `The REST API accepts JSON requests. Authenticate with a bearer token in the Authorization header.
Each endpoint responds with a request_id, and webhook deliveries retry with exponential backoff.`
const LEAVE = `Employees accrue holiday leave monthly. Your manager approves leave requests; payroll adjusts salary for unpaid leave.`
const PASSWORDS = `If you are locked out, reset your password from the sign-in page. Two-factor verification is required for administrators.`

/** What GET /api/chunks answers (its JSON: the list's items as the query returns them). */
type ListBody = { items: ChunkListItem[]; next_cursor: string | null }

async function list(query: string, cookie = editor): Promise<{ status: number; body: ListBody & { error?: { fields?: Record<string, string> } } }> {
  const res = await simulated.app.request(`/api/chunks${query ? `?${query}` : ''}`, { headers: { cookie } })
  return { status: res.status, body: (await res.json()) as ListBody & { error?: { fields?: Record<string, string> } } }
}

async function readChunk(id: string, cookie = editor) {
  const res = await simulated.app.request(`/api/chunks/${id}`, { headers: { cookie } })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const analyze = (body: Record<string, unknown>, cookie = editor, app = simulated.app) =>
  app.request('/api/chunks/analyze', json(body, { cookie, origin: ORIGIN }))

/** Analyses chunks directly with the simulator's scores, as the task would store them. */
async function analyseDirectly(document: SeededDocument, texts: string[]) {
  for (const [i, id] of document.chunkIds.entries()) {
    const scores = simulateDimensionAnalysis(texts[i]!)
    await saveChunkAnalysis(database.db, id, scores, toDimensionSource(scores))
  }
}

/** Every page of a list, following next_cursor; fails if a page repeats a chunk. */
async function allPages(query: string, limit: number): Promise<string[]> {
  const ids: string[] = []
  let cursor: string | null = null
  do {
    const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    expect(page.status).toBe(200)
    expect(page.body.items.length).toBeLessThanOrEqual(limit)
    ids.push(...page.body.items.map((item) => item.id))
    cursor = page.body.next_cursor
  } while (cursor)
  return ids
}

describe('listing and searching chunks', () => {
  test("lists a document's chunks in reading order, with the document title, heading path, excerpt and token count", async () => {
    const long = `${'Delivery times vary by region. '.repeat(20)}`
    const doc = await insertDocumentWithChunks(database.db, 'Help centre', [REFUNDS, long, API])
    const { status, body } = await list(`document_id=${doc.id}`)
    expect(status).toBe(200)
    expect(body.items.map((i) => i.id)).toEqual(doc.chunkIds)
    expect(body.items[1]).toMatchObject({
      document_id: doc.id,
      document_title: 'Help centre',
      ordinal: 1,
      heading_path: ['Part', 'Section 2'],
      complexity: null,
      top_dimensions: [],
    })
    expect(body.items[1]!.excerpt).toBe(long.slice(0, 200))
    expect(body.items[1]!.tokens).toBe(Math.ceil(long.length / 4))
    expect(body.next_cursor).toBeNull()
  })

  test('finds chunks by the words of their text or their headings, in any word form', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Manual', [REFUNDS, API, LEAVE], {
      headings: [['Returns'], ['Developers'], ['Holidays', 'Annual leave']],
    })
    const search = async (q: string) => (await list(`q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id)
    expect(await search('refunded')).toEqual([doc.chunkIds[0]])
    expect(await search('webhook token')).toEqual([doc.chunkIds[1]])
    expect(await search('annual')).toEqual([doc.chunkIds[2]])
    expect(await search('"bearer token" -refund')).toEqual([doc.chunkIds[1]])
    expect(await search('zebra')).toEqual([])
  })

  test('a phrase finds its words next to each other (or across the stop words it names), and a negated or or-ed phrase does not narrow the rest', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Parcels', [
      'Follow the parcel with the tracking link we email.',
      'The link for tracking arrives a day later.',
      'Tracking of the link is done by hand.',
      'Link expiry: links last a week.',
    ])
    const [adjacent, apart, acrossStopWords, expiry] = doc.chunkIds
    const search = async (q: string) => (await list(`q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id).sort()
    expect(await search('"tracking link"')).toEqual([adjacent])
    expect(await search('"tracking of the link"')).toEqual([acrossStopWords])
    expect(await search('"tracking link" email')).toEqual([adjacent])
    expect(await search('"tracking link" day')).toEqual([])
    expect(await search('link -"tracking link"')).toEqual([apart, acrossStopWords, expiry].sort())
    expect(await search('"tracking link" or expiry')).toEqual([adjacent, expiry].sort())
    expect(await search('"link tracking"')).toEqual([])
  })

  test('pages through a phrase search newest first, never repeating a chunk', async () => {
    const older = await insertDocumentWithChunks(
      database.db,
      'Older',
      Array.from({ length: 5 }, (_, i) => `Use the tracking link in email ${i}.`),
      { createdAt: new Date('2026-01-01T00:00:00Z') },
    )
    await insertDocumentWithChunks(
      database.db,
      'Unrelated',
      Array.from({ length: 4 }, (_, i) => `The link for tracking ${i} comes later.`),
    )
    const newer = await insertDocumentWithChunks(
      database.db,
      'Newer',
      Array.from({ length: 4 }, (_, i) => `Tracking link number ${i}.`),
    )
    const pages = await allPages(`q=${encodeURIComponent('"tracking link"')}`, 2)
    expect(new Set(pages.slice(0, 4))).toEqual(new Set(newer.chunkIds))
    expect(new Set(pages.slice(4))).toEqual(new Set(older.chunkIds))
    expect(pages).toHaveLength(9)
  })

  test('filters by document, persona, emotion, topic, complexity and whether analysed, each as the stored analysis says', async () => {
    const texts = [REFUNDS, API, LEAVE, PASSWORDS]
    const analysed = await insertDocumentWithChunks(database.db, 'Analysed', texts)
    await analyseDirectly(analysed, texts)
    const other = await insertDocumentWithChunks(database.db, 'Not analysed', [REFUNDS])
    const sources = texts.map((t) => toDimensionSource(simulateDimensionAnalysis(t)))
    const expected = (keep: (s: (typeof sources)[number]) => boolean) => analysed.chunkIds.filter((_, i) => keep(sources[i]!)).sort()
    const ids = async (query: string) => (await list(query)).body.items.map((i) => i.id).sort()

    expect(await ids('analyzed=false')).toEqual(other.chunkIds)
    expect(await ids('analyzed=true')).toEqual([...analysed.chunkIds].sort())
    expect(await ids(`document_id=${other.id}`)).toEqual(other.chunkIds)
    expect(await ids('persona=developer')).toEqual(expected((s) => s.personas.some((p) => p.name === 'developer')))
    expect(expected((s) => s.personas.some((p) => p.name === 'developer'))).toContain(analysed.chunkIds[1])
    expect(await ids('topic=refund_return')).toEqual(expected((s) => s.topics.some((p) => p.name === 'refund_return')))
    expect(expected((s) => s.topics.some((p) => p.name === 'refund_return'))).toContain(analysed.chunkIds[0])
    expect(await ids('emotion=anxious')).toEqual(expected((s) => s.emotions.some((e) => e.name === 'anxious')))
    expect(expected((s) => s.emotions.some((e) => e.name === 'anxious'))).toContain(analysed.chunkIds[3])
    const complexities = sources.map((s) => s.complexity)
    const low = Math.min(...complexities)
    expect(await ids(`complexity_min=${low + 1}`)).toEqual(expected((s) => s.complexity >= low + 1))
    expect(await ids(`complexity_max=${low}`)).toEqual(expected((s) => s.complexity <= low))
    expect(await ids(`persona=developer&complexity_min=1&complexity_max=10&analyzed=true&document_id=${other.id}`)).toEqual([])

    const first = (await list(`document_id=${analysed.id}`)).body.items[1]!
    expect(first.complexity).toBe(sources[1]!.complexity)
    expect(first.top_dimensions.length).toBeGreaterThan(0)
    expect(first.top_dimensions.map((d) => d.name)).toContain('developer')
  })

  test('pages with a keyset cursor, newest first across documents and in reading order within one, never repeating a chunk', async () => {
    const older = await insertDocumentWithChunks(
      database.db,
      'Older',
      Array.from({ length: 7 }, (_, i) => `Older passage ${i} about refunds.`),
      { createdAt: new Date('2026-01-01T00:00:00Z') },
    )
    const newer = await insertDocumentWithChunks(
      database.db,
      'Newer',
      Array.from({ length: 6 }, (_, i) => `Newer passage ${i} about refunds.`),
    )
    const across = await allPages('q=refunds', 4)
    expect(across).toHaveLength(13)
    expect(new Set(across).size).toBe(13)
    expect(new Set(across.slice(0, 6))).toEqual(new Set(newer.chunkIds))
    expect(new Set(across.slice(6))).toEqual(new Set(older.chunkIds))
    expect(await allPages(`document_id=${older.id}`, 3)).toEqual(older.chunkIds)
  })

  test('refuses a cursor it did not give out with a 400 that names the cursor', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API, LEAVE])
    const inDocument = (await list(`document_id=${doc.id}&limit=1`)).body.next_cursor!
    const forged = [
      'not-a-cursor',
      Buffer.from('["created","yesterday","also-not-a-uuid"]').toString('base64url'),
      Buffer.from('["ordinal",-1]').toString('base64url'),
      inDocument, // a within-document cursor used on the list across documents
    ]
    for (const cursor of forged) {
      const { status, body } = await list(`cursor=${encodeURIComponent(cursor)}`)
      expect(status, cursor).toBe(400)
      expect(body.error?.fields).toHaveProperty('cursor')
    }
  })

  test("treats the filter form's empty fields as no filter", async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API])
    const { status, body } = await list('q=&document_id=&persona=&emotion=&topic=&complexity_min=&complexity_max=&analyzed=')
    expect(status).toBe(200)
    expect(body.items.map((i) => i.id).sort()).toEqual([...doc.chunkIds].sort())
  })

  test('refuses unknown filter values with a 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['persona=pirate', 'persona'],
      ['emotion=bored', 'emotion'],
      ['topic=weather', 'topic'],
      ['complexity_min=0', 'complexity_min'],
      ['complexity_max=11', 'complexity_max'],
      ['complexity_min=abc', 'complexity_min'],
      ['complexity_min=7&complexity_max=3', 'complexity_max'],
      ['analyzed=maybe', 'analyzed'],
      ['document_id=42', 'document_id'],
      ['limit=0', 'limit'],
    ]
    for (const [query, field] of cases) {
      const { status, body } = await list(query)
      expect(status, query).toBe(400)
      expect(Object.keys(body.error?.fields ?? {}), query).toEqual([field])
    }
  })

  test('reads one chunk with its whole text, offsets and analysis, and answers 404 for one that does not exist', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Help centre', [REFUNDS, API], { headings: [['Returns', 'Damaged items'], []] })
    const { status, body } = await readChunk(doc.chunkIds[0]!)
    expect(status).toBe(200)
    expect(body).toMatchObject({
      id: doc.chunkIds[0],
      document_id: doc.id,
      document_title: 'Help centre',
      ordinal: 0,
      heading_path: ['Returns', 'Damaged items'],
      text: REFUNDS,
      tokens: Math.ceil(REFUNDS.length / 4),
      char_start: 0,
      char_end: REFUNDS.length,
      dimensions: null,
      dimension_source: null,
    })
    expect((await readChunk('00000000-0000-4000-8000-000000000000')).status).toBe(404)
    expect((await readChunk('not-a-uuid')).status).toBe(404)
  })

  test('a viewer can read chunks but not analyse them; without signing in, nothing', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS])
    expect((await list('', viewer)).status).toBe(200)
    expect((await readChunk(doc.chunkIds[0]!, viewer)).status).toBe(200)
    expect((await analyze({ document_id: doc.id }, viewer)).status).toBe(403)
    expect((await simulated.app.request('/api/chunks')).status).toBe(401)
    const page = await simulated.app.request('/chunks', { headers: { cookie: viewer } })
    expect(page.status).toBe(200)
    const viewerHtml = await page.text()
    expect(viewerHtml).not.toContain('Analyze selected')
    expect(viewerHtml).not.toContain('Generate from selected chunks')
    expect(viewerHtml).not.toContain('type="checkbox"')
  })
})

describe('dimension analysis', () => {
  test('shows the estimate before anything runs: a dry run queues nothing, the request queues one job per chunk with 202', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API, LEAVE])
    const dry = await analyze({ document_id: doc.id, dry_run: true })
    expect(dry.status).toBe(200)
    const dryBody = (await dry.json()) as { estimate: { calls: number; input_tokens: number; output_tokens: number; cost_usd: number }; queued: number }
    expect(dryBody.queued).toBe(0)
    expect(dryBody.estimate.calls).toBe(3)
    const chunkTokens = [REFUNDS, API, LEAVE].reduce((sum, t) => sum + Math.ceil(t.length / 4), 0)
    expect(dryBody.estimate.input_tokens).toBeGreaterThan(chunkTokens)
    expect(dryBody.estimate.output_tokens).toBeGreaterThan(0)
    expect(dryBody.estimate.cost_usd).toBeGreaterThan(0)
    expect(await analysisJobs()).toBe(0)

    const res = await analyze({ document_id: doc.id })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ estimate: dryBody.estimate, queued: 3 })
    expect(await analysisJobs()).toBe(3)
    // Asking again replaces the waiting jobs rather than doubling them.
    expect((await analyze({ chunk_ids: doc.chunkIds.slice(0, 2) })).status).toBe(202)
    expect(await analysisJobs()).toBe(3)
  })

  test("prices the estimate at the active model's prices", async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API])
    const cost = async () => ((await (await analyze({ document_id: doc.id, dry_run: true })).json()) as { estimate: { cost_usd: number } }).estimate.cost_usd
    await setAiSettings(database, admin.id, { model: 'claude-haiku-4-5' })
    const cheap = await cost()
    await setAiSettings(database, admin.id, { model: 'claude-opus-4-1' })
    expect(await cost()).toBeGreaterThan(cheap * 10)
  })

  test('refuses both or neither target, bad ids and unknown fields with a 400 naming the field, and unknown chunks with 404', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS])
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'document_id'],
      [{ document_id: doc.id, chunk_ids: doc.chunkIds }, 'document_id'],
      [{ chunk_ids: [] }, 'chunk_ids'],
      [{ chunk_ids: ['nope'] }, 'chunk_ids.0'],
      [{ document_id: doc.id, dry_run: 'yes' }, 'dry_run'],
      [{ document_id: doc.id, model: 'x' }, 'form'],
    ]
    for (const [body, field] of cases) {
      const res = await analyze(body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(Object.keys(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields), JSON.stringify(body)).toContain(field)
    }
    expect((await analyze({ chunk_ids: [doc.chunkIds[0], '00000000-0000-4000-8000-000000000000'] })).status).toBe(404)
    expect((await analyze({ document_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404)
    expect(await analysisJobs()).toBe(0)
  })

  test('in the simulator, stores deterministic dimensions and their dimension_source, and the next read shows them (the cache forgot the chunk)', async () => {
    const texts = [REFUNDS, API]
    const doc = await insertDocumentWithChunks(database.db, 'Doc', texts)
    const before = await readChunk(doc.chunkIds[1]!)
    expect(before.body.dimensions).toBeNull()

    expect((await analyze({ document_id: doc.id })).status).toBe(202)
    await worker(simulated.deps)
    await waitFor(async () => (await readChunk(doc.chunkIds[1]!)).body.dimensions, 15_000, 'the analysis')
    await waitFor(async () => (await readChunk(doc.chunkIds[0]!)).body.dimensions, 15_000, 'the analysis')

    for (const [i, id] of doc.chunkIds.entries()) {
      const { body } = await readChunk(id)
      const scores = simulateDimensionAnalysis(texts[i]!)
      expect(body.dimensions).toEqual(scores)
      expect(body.dimension_source).toEqual(toDimensionSource(scores))
      const row = await database.db
        .selectFrom('chunks')
        .select(['personas', 'emotions', 'topics', 'complexity', 'analyzed_at'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
      const source = toDimensionSource(scores)
      expect(row).toMatchObject({
        personas: source.personas.map((d) => d.name),
        emotions: source.emotions.map((d) => d.name),
        topics: source.topics.map((d) => d.name),
        complexity: source.complexity,
      })
      expect(row.analyzed_at).toBeInstanceOf(Date)
    }
    expect((await list('persona=developer&analyzed=true')).body.items.map((i) => i.id)).toContain(doc.chunkIds[1])
  })

  test('through the fake API with the real SDK: one malformed answer is retried, then the valid one is stored', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [API])
    fake.enqueue({ kind: 'malformed' })
    expect((await analyze({ chunk_ids: doc.chunkIds }, editor, viaFake.app)).status).toBe(202)
    await worker(viaFake.deps)
    await waitFor(async () => (await readChunk(doc.chunkIds[0]!)).body.dimensions, 20_000, 'the analysis after a retry')

    expect(fake.requestCount).toBe(2)
    const sent = fake.requests[0]!.body as {
      tool_choice: { name: string }
      tools: Array<{ name: string }>
      system: Array<{ cache_control?: unknown }>
      messages: Array<{ content: string }>
    }
    expect(sent.tool_choice.name).toBe(DIMENSION_TOOL_NAME)
    expect(sent.tools.map((t) => t.name)).toEqual([DIMENSION_TOOL_NAME])
    expect(sent.system[0]!.cache_control).toEqual({ type: 'ephemeral' })
    expect(sent.messages[0]!.content).toContain(API)
    const { body } = await readChunk(doc.chunkIds[0]!)
    expect(body.dimensions).toEqual(simulateDimensionAnalysis(API))
  })

  test('is safe to run twice, and a chunk deleted before its job runs is simply skipped', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API])
    const deps = { db: database.db, claude: createClaude({}), log: simulated.deps.log }
    expect(await analyseChunk(deps, doc.chunkIds[0]!)).toBe('analysed')
    const once = await readChunk(doc.chunkIds[0]!)
    expect(await analyseChunk(deps, doc.chunkIds[0]!)).toBe('analysed')
    const twice = await readChunk(doc.chunkIds[0]!)
    expect(twice.body.dimensions).toEqual(once.body.dimensions)
    expect(twice.body.dimension_source).toEqual(once.body.dimension_source)

    await database.db.deleteFrom('chunks').where('id', '=', doc.chunkIds[1]!).execute()
    expect(await analyseChunk(deps, doc.chunkIds[1]!)).toBe('gone')
  })

  test('a transient API error is retried by the queue', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [LEAVE])
    fake.enqueue({ kind: 'overloaded' })
    expect((await analyze({ document_id: doc.id }, editor, viaFake.app)).status).toBe(202)
    await worker(viaFake.deps)
    await waitFor(async () => (await readChunk(doc.chunkIds[0]!)).body.dimension_source, 20_000, 'the analysis after a retry')
    expect(fake.requestCount).toBe(2)
  })
})

describe('the chunk cache', () => {
  test('serves repeated reads from memory until the chunks are forgotten, by id or by document', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API])
    const other = await insertDocumentWithChunks(database.db, 'Other', [LEAVE])
    for (const id of [...doc.chunkIds, ...other.chunkIds]) expect((await readChunk(id)).status).toBe(200)
    // Changed behind the cache's back (as another process would): reads still show the cached text.
    await database.db.updateTable('chunks').set({ text: 'Rewritten.' }).execute()
    expect((await readChunk(doc.chunkIds[0]!)).body.text).toBe(REFUNDS)

    forgetChunks([doc.chunkIds[0]!])
    expect((await readChunk(doc.chunkIds[0]!)).body.text).toBe('Rewritten.')
    expect((await readChunk(doc.chunkIds[1]!)).body.text).toBe(API)

    forgetChunks({ document_id: doc.id })
    expect((await readChunk(doc.chunkIds[1]!)).body.text).toBe('Rewritten.')
    expect((await readChunk(other.chunkIds[0]!)).body.text).toBe(LEAVE)
  })
})

describe('the chunk browser page', () => {
  test('shows chunk cards with heading path and excerpt, the search as a fragment for htmx, and a chunk on its own page', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Help <centre>', [REFUNDS, API], { headings: [['Returns'], ['Developers']] })
    const page = await simulated.app.request('/chunks', { headers: { cookie: editor } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Help &lt;centre&gt;')
    expect(html).toContain('Returns')
    expect(html).toContain('Generate from selected chunks')
    expect(html).toContain('hx-trigger="input changed delay:300ms, search"')

    const fragment = await simulated.app.request('/chunks?q=webhook', { headers: { cookie: editor, 'hx-request': 'true' } })
    const fragmentHtml = await fragment.text()
    expect(fragmentHtml).not.toContain('<html')
    expect(fragmentHtml).toContain(`chunk-${doc.chunkIds[1]}`)
    expect(fragmentHtml).not.toContain(`chunk-${doc.chunkIds[0]}`)

    const detail = await simulated.app.request(`/chunks/${doc.chunkIds[0]}`, { headers: { cookie: editor } })
    expect(detail.status).toBe(200)
    expect(await detail.text()).toContain('damaged, you can return it within 30 days')
    expect((await simulated.app.request('/chunks?persona=pirate', { headers: { cookie: editor } })).status).toBe(400)
  })

  test('"More chunks" fetches the next cards after the last one shown, keeping the filter', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API, LEAVE, PASSWORDS])
    const first = await (await simulated.app.request(`/chunks?document_id=${doc.id}&limit=3`, { headers: { cookie: editor } })).text()
    const more = first.match(/hx-get="(\/chunks\/cards\?[^"]+)"/)?.[1]?.replaceAll('&amp;', '&')
    expect(more).toContain(`document_id=${doc.id}`)
    expect(first).toContain(`chunk-${doc.chunkIds[2]}`)
    expect(first).not.toContain(`chunk-${doc.chunkIds[3]}`)
    const next = await (await simulated.app.request(`${more!}&limit=3`, { headers: { cookie: editor, 'hx-request': 'true' } })).text()
    expect(next).toContain(`chunk-${doc.chunkIds[3]}`)
    expect(next).not.toContain(`chunk-${doc.chunkIds[2]}`)
    expect(next).not.toContain('More chunks')
  })

  test('"Analyze selected" shows the estimate first and queues only when confirmed', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API, LEAVE])
    const body = new URLSearchParams()
    for (const id of doc.chunkIds.slice(0, 2)) body.append('chunk_ids', id)
    const postForm = () =>
      simulated.app.request('/chunks/analyze', {
        method: 'POST',
        headers: { cookie: editor, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      })
    const confirm = await postForm()
    expect(confirm.status).toBe(200)
    expect(await confirm.text()).toMatch(/Analyze 2 chunks\?[\s\S]*Estimated cost/)
    expect(await analysisJobs()).toBe(0)

    body.append('confirmed', 'true')
    const queued = await postForm()
    expect(queued.status).toBe(303)
    expect(queued.headers.get('location')).toBe('/chunks?queued=2')
    expect(await analysisJobs()).toBe(2)
    const notice = await simulated.app.request('/chunks?queued=2', { headers: { cookie: editor } })
    expect(await notice.text()).toContain('Analysis queued for 2 chunks')
  })

  test('"Analyze this document" estimates every chunk of the document, whatever is ticked', async () => {
    const doc = await insertDocumentWithChunks(database.db, 'Doc', [REFUNDS, API, LEAVE])
    const page = await (await simulated.app.request(`/chunks?document_id=${doc.id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('Analyze this document')
    const body = new URLSearchParams({ chunk_ids: doc.chunkIds[0]!, document_id: doc.id })
    const confirm = await simulated.app.request('/chunks/analyze', {
      method: 'POST',
      headers: { cookie: editor, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    })
    expect(await confirm.text()).toContain('Analyze 3 chunks?')
    const nothing = await simulated.app.request('/chunks/analyze', {
      method: 'POST',
      headers: { cookie: editor, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    })
    expect(nothing.status).toBe(400)
    expect(await analysisJobs()).toBe(0)
  })
})

async function analysisJobs(): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'analyze_chunk'`.execute(database.db)
  return rows[0]!.n
}
