import { sql } from 'kysely'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import type { DimensionSource } from '../src/chunks/dimension-source'
import { countTokens } from '../src/chunks/tokens'
import type { ChunkContext } from '../src/db/schema'
import { scoreGrounding, sourceBlockText } from '../src/generation/grounding'
import { progressHub } from '../src/generation/progress-hub'
import { scoreQuality } from '../src/generation/quality'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import type { FakeAnthropic } from './fake-anthropic/server'
import { form, json, makeUser, ORIGIN, signIn, type TestUser, testApp, useApp } from './helpers/app'
import { insertDocumentWithChunks } from './helpers/chunks'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { countJobs, makeTemplate, setAiSettings, useFakeAnthropic, viaFake, waitFor } from './helpers/generation'

type App = ReturnType<typeof testApp>['app']
type Deps = ReturnType<typeof testApp>['deps']

let database: TestDatabase
let fake: FakeAnthropic
/** Through the real SDK to the fake Anthropic server. */
let claude: { app: App; deps: Deps }
/** Without a key: the in-process simulator. */
let simulated: { app: App; deps: Deps }
let editor: string
let admin: TestUser
const workers: WorkerHandle[] = []

useFakeAnthropic((f) => (fake = f))
useApp(
  (t) => {
    database = t.database
    claude = t
  },
  { env: () => viaFake(fake) },
)
beforeAll(() => {
  simulated = testApp(database, { WORKER_CONCURRENCY: '4' })
})
afterAll(async () => {
  await progressHub(database.pool, claude.deps.log).close()
  await progressHub(database.pool, simulated.deps.log).close()
})

beforeEach(async () => {
  await sql`truncate documents cascade`.execute(database.db)
  await emptyJobQueue(database)
  editor = await signIn(claude.app, await makeUser(database, 'editor'))
  admin = await makeUser(database, 'admin')
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, max_retries: 3 })
})

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

async function worker(deps: Deps): Promise<WorkerHandle> {
  const handle = await startWorker(deps, database.pool)
  workers.push(handle)
  return handle
}

const postBatch = (app: App, body: Record<string, unknown>) => app.request('/api/batches', json(body, { cookie: editor, origin: ORIGIN }))

async function created(res: Response) {
  expect(res.status, await res.clone().text()).toBe(201)
  return (await res.json()) as { id: string; estimate: { calls: number; input_tokens: number; cost_usd: number; chunk_tokens: number; cache_reads: number } }
}

const finished = (app: App, id: string) =>
  waitFor(
    async () => {
      const res = await app.request(`/api/batches/${id}`, { headers: { cookie: editor, accept: 'application/json' } })
      const state = (await res.json()) as { status: string; counts: { done: number; failed: number } }
      return state.status === 'done' ? state : undefined
    },
    20_000,
    'the batch to finish',
  )

const conversationsOf = (batchId: string) =>
  database.db
    .selectFrom('conversations')
    .select([
      'id',
      'status',
      'parent_chunk_id',
      'chunk_context',
      'dimension_source',
      'parameters',
      'persona',
      'emotion',
      'topic',
      'turns',
      'quality_parts',
      'quality_score',
      'cache_read_tokens',
      'cache_write_tokens',
      'prompt',
    ])
    .where('batch_id', '=', batchId)
    .execute()

const ANALYSED: DimensionSource = {
  personas: [{ name: 'first_time_buyer', confidence: 0.8 }],
  emotions: [{ name: 'anxious', confidence: 0.7 }],
  topics: [
    { name: 'refund_policy', confidence: 0.9 },
    { name: 'shipping', confidence: 0.5 },
  ],
  complexity: 3,
}

const REFUNDS =
  'Refunds are paid to the original card within 10 days. Damaged parcels are returned with a prepaid label. Gift cards cannot be refunded for cash.'
const EXCHANGES = 'Exchanges are free for 30 days after delivery. The exchanged item ships once the original arrives at the warehouse.'

/** A document with two chunks; the first analysed (its dimension_source set as the analysis would). */
async function returnsHandbook(title = 'Returns handbook') {
  const doc = await insertDocumentWithChunks(database.db, title, [REFUNDS, EXCHANGES], {
    headings: [
      ['Returns', 'Refunds'],
      ['Returns', 'Exchanges'],
    ],
  })
  await database.db
    .updateTable('chunks')
    .set({
      dimension_source: JSON.stringify(ANALYSED),
      personas: ['first_time_buyer'],
      emotions: ['anxious'],
      topics: ['refund_policy', 'shipping'],
      analyzed_at: new Date(),
    })
    .where('id', '=', doc.chunkIds[0]!)
    .execute()
  return doc
}

/** A template whose prompt takes persona, emotion and topic (with defaults for an unanalysed chunk). */
const personaTemplate = (app: App) =>
  makeTemplate(app, editor, {
    prompt: 'A {{persona}} who feels {{emotion}} asks about {{topic}}.',
    parameters: [
      { name: 'persona', type: 'string', required: true, default: 'customer' },
      { name: 'emotion', type: 'string', required: true, default: 'calm' },
      { name: 'topic', type: 'string', required: true, default: 'their order' },
    ],
  })

describe('a grounded batch', () => {
  test('in the simulator, every conversation keeps its chunk, its context and dimensions, takes persona, emotion and topic from the chunk, and answers from its text', async () => {
    const doc = await returnsHandbook()
    const template = await personaTemplate(simulated.app)
    const { id, estimate } = await created(await postBatch(simulated.app, { template_id: template.id, chunk_ids: doc.chunkIds, count_per_item: 2 }))
    expect(estimate.calls).toBe(4)
    await worker(simulated.deps)
    expect((await finished(simulated.app, id)).counts.done).toBe(4)

    const rows = await conversationsOf(id)
    expect(rows).toHaveLength(4)
    // The grounding score finds the source's sentences; a simulated conversation may also drift off its source now and
    // then, as a model's does (test/simulator.test.ts), so not every one need score high.
    expect(rows.some((row) => row.quality_parts!.grounding! >= 7)).toBe(true)
    for (const row of rows) {
      const ordinal = doc.chunkIds.indexOf(row.parent_chunk_id!)
      expect(ordinal).toBeGreaterThanOrEqual(0)
      const text = [REFUNDS, EXCHANGES][ordinal]!
      expect(row.chunk_context).toEqual({
        chunk_id: row.parent_chunk_id,
        document_id: doc.id,
        document_title: 'Returns handbook',
        heading_path: ['Returns', ordinal === 0 ? 'Refunds' : 'Exchanges'],
        text,
      })
      expect(row.status).toBe('pending_review')
      expect(row.quality_parts).toHaveProperty('grounding')
      // The simulated assistant speaks the chunk's own sentences.
      const assistant = row.turns
        .filter((t) => t.role === 'assistant')
        .map((t) => t.content)
        .join(' ')
      expect(text.split(/(?<=\.)\s+/).some((sentence) => assistant.includes(sentence))).toBe(true)
      if (ordinal === 0) {
        expect(row.dimension_source).toEqual(ANALYSED)
        expect(row.parameters).toEqual({ persona: 'first time buyer', emotion: 'anxious', topic: 'refund policy' })
        expect(row.prompt).toContain('A first time buyer who feels anxious asks about refund policy.')
      } else {
        // Not analysed: no dimensions, the template's defaults stand.
        expect(row.dimension_source).toBeNull()
        expect(row.parameters).toEqual({ persona: 'customer', emotion: 'calm', topic: 'their order' })
      }
    }
  })

  test('a scenario keeps what it sets; the chunk fills only what it leaves blank', async () => {
    const doc = await returnsHandbook()
    const template = await personaTemplate(simulated.app)
    const scenario = await simulated.app.request(
      '/api/scenarios',
      json({ template_id: template.id, name: 'Pensioner', persona: 'pensioner' }, { cookie: editor, origin: ORIGIN }),
    )
    expect(scenario.status).toBe(201)
    const { id: scenarioId } = (await scenario.json()) as { id: string }
    const { id } = await created(
      await postBatch(simulated.app, { template_id: template.id, scenario_ids: [scenarioId], chunk_ids: [doc.chunkIds[0]], count_per_item: 1 }),
    )
    const [row] = await conversationsOf(id)
    expect(row!.parameters).toEqual({ persona: 'pensioner', emotion: 'anxious', topic: 'refund policy' })
    expect(row!.parent_chunk_id).toBe(doc.chunkIds[0])
  })

  test('sends the chunk text to Claude as a block marked for prompt caching, written by the first call and read by the others', async () => {
    // Long enough that tools, system prompt and source pass the model's minimum cacheable length.
    const long = Array.from(
      { length: 120 },
      (_, i) => `Clause ${i + 1}: a refund for order type ${i + 1} is paid to the original card within ${i + 5} days.`,
    ).join(' ')
    const doc = await insertDocumentWithChunks(database.db, 'Refund clauses', [long])
    const template = await makeTemplate(claude.app, editor)
    const { id, estimate } = await created(
      await postBatch(claude.app, { template_id: template.id, chunk_ids: doc.chunkIds, count_per_item: 3, model: 'claude-sonnet-4-6' }),
    )
    const context: ChunkContext = {
      chunk_id: doc.chunkIds[0]!,
      document_id: doc.id,
      document_title: 'Refund clauses',
      heading_path: ['Part', 'Section 1'],
      text: long,
    }
    expect(estimate.chunk_tokens).toBe(3 * countTokens(sourceBlockText(context)))
    expect(estimate.cache_reads).toBe(2)

    await worker(claude.deps)
    await finished(claude.app, id)
    const sent = fake.requests
      .filter((r) => r.path === '/v1/messages')
      .map((r) => r.body as { messages: Array<{ content: Array<{ type: string; text: string; cache_control?: unknown }> }> })
    expect(sent).toHaveLength(3)
    for (const body of sent) {
      const [source, prompt] = body.messages[0]!.content
      expect(source!.text).toContain(long)
      expect(source!.cache_control).toEqual({ type: 'ephemeral' })
      expect(prompt!.text).toContain('record_conversation')
      expect(prompt!.cache_control).toBeUndefined()
    }
    const rows = await conversationsOf(id)
    expect(rows.filter((r) => r.cache_write_tokens > 0)).toHaveLength(1)
    expect(rows.filter((r) => r.cache_read_tokens > countTokens(long) / 2)).toHaveLength(2)
  })

  test('a chunk deleted while its batch waits: the conversation still completes from its saved context, and its parent_chunk_id is null', async () => {
    const doc = await returnsHandbook('Handbook to delete')
    const template = await makeTemplate(claude.app, editor)
    const { id } = await created(await postBatch(claude.app, { template_id: template.id, chunk_ids: [doc.chunkIds[0]], count_per_item: 2 }))
    await database.db.deleteFrom('chunks').where('id', '=', doc.chunkIds[0]!).execute()
    await worker(claude.deps)
    expect((await finished(claude.app, id)).counts.done).toBe(2)
    const rows = await conversationsOf(id)
    for (const row of rows) {
      expect(row.status).toBe('pending_review')
      expect(row.parent_chunk_id).toBeNull()
      expect(row.chunk_context?.chunk_id).toBe(doc.chunkIds[0])
      expect(row.chunk_context?.text).toBe(REFUNDS)
      expect(row.quality_parts).toHaveProperty('grounding')
    }
    expect(fake.requests.filter((r) => r.path === '/v1/messages').every((r) => JSON.stringify(r.body).includes('within 10 days'))).toBe(true)
  })

  test('unknown, malformed or too many chunk ids are refused naming chunk_ids, and nothing is created', async () => {
    const doc = await returnsHandbook()
    const template = await makeTemplate(claude.app, editor)
    const missing = '00000000-0000-4000-8000-000000000000'
    const cases: Array<[unknown, RegExp]> = [
      [[doc.chunkIds[0], missing], new RegExp(`No such chunk: ${missing}`)],
      [['not-a-chunk'], /chunk_ids/],
      [Array.from({ length: 1001 }, () => doc.chunkIds[0]), /at most 1000 chunks/],
    ]
    for (const [chunkIds, message] of cases) {
      const res = await postBatch(claude.app, { template_id: template.id, chunk_ids: chunkIds, count_per_item: 1 })
      expect(res.status).toBe(400)
      const body = (await res.json()) as { error: { message: string; fields?: Record<string, string> } }
      expect(JSON.stringify(body)).toMatch(message)
      expect(JSON.stringify(body.error.fields ?? {})).toContain('chunk_ids')
    }
    const conversations = await database.db.selectFrom('conversations').select('id').execute()
    expect({
      batches: (await database.db.selectFrom('batches').select('id').execute()).length,
      conversations: conversations.length,
      jobs: await countJobs(database),
    }).toEqual({
      batches: 0,
      conversations: 0,
      jobs: 0,
    })
  })
})

describe('the Claude judge of grounding', () => {
  test('shows its cost on a dry run without queueing anything, then judges every grounded conversation of the batch', async () => {
    const doc = await returnsHandbook()
    const template = await makeTemplate(simulated.app, editor)
    const { id } = await created(await postBatch(simulated.app, { template_id: template.id, chunk_ids: doc.chunkIds, count_per_item: 2 }))
    await worker(simulated.deps)
    await finished(simulated.app, id)
    const judge = (body: Record<string, unknown>, batch = id) =>
      simulated.app.request(`/api/batches/${batch}/judge-grounding`, json(body, { cookie: editor, origin: ORIGIN }))

    const dry = await judge({ dry_run: true })
    expect(dry.status).toBe(200)
    const estimate = (await dry.json()) as { estimate: { calls: number; input_tokens: number; output_tokens: number; cost_usd: number }; queued: number }
    expect(estimate.queued).toBe(0)
    expect(estimate.estimate.calls).toBe(4)
    expect(estimate.estimate.input_tokens).toBeGreaterThan(0)
    expect(estimate.estimate.cost_usd).toBeGreaterThan(0)
    expect(await countJobs(database, 'judge_grounding')).toBe(0)

    const run = await judge({})
    expect(run.status).toBe(202)
    expect(((await run.json()) as { queued: number }).queued).toBe(4)
    const judged = await waitFor(
      async () => {
        const rows = await conversationsOf(id)
        return rows.every((r) => typeof r.quality_parts?.grounding_judge === 'number') ? rows : undefined
      },
      15_000,
      'every conversation to be judged',
    )
    // The simulated judge reads the same source and transcript the heuristic does.
    for (const row of judged)
      expect(row.quality_parts!.grounding_judge).toBe(scoreGrounding({ turns: row.turns, source: row.chunk_context!, dimensions: null }).score)

    expect((await judge({ dry_run: true }, '00000000-0000-4000-8000-000000000000')).status).toBe(404)
    expect((await judge({ dry_run: 'maybe' })).status).toBe(400)
  })

  test('the batch page says the batch is grounded and offers the judge, showing its cost before anything runs', async () => {
    const doc = await returnsHandbook()
    const template = await makeTemplate(simulated.app, editor)
    const { id } = await created(await postBatch(simulated.app, { template_id: template.id, chunk_ids: doc.chunkIds, count_per_item: 1 }))
    await worker(simulated.deps)
    await finished(simulated.app, id)
    const page = await (await simulated.app.request(`/batches/${id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('2 conversations are grounded in source chunks')
    expect(page).toContain(`action="/batches/${id}/judge-grounding"`)

    const asked = await simulated.app.request(`/batches/${id}/judge-grounding`, form({}, { cookie: editor }))
    expect(asked.status).toBe(200)
    const confirm = await asked.text()
    expect(confirm).toContain('Ask Claude to judge how well 2 conversations stay within their source?')
    expect(confirm).toContain('name="confirmed" value="true"')
    expect(await countJobs(database, 'judge_grounding')).toBe(0)

    const ran = await simulated.app.request(`/batches/${id}/judge-grounding`, form({ confirmed: 'true' }, { cookie: editor }))
    expect(ran.status).toBe(303)
    expect(ran.headers.get('location')).toBe(`/batches/${id}`)
    await waitFor(
      async () => ((await conversationsOf(id)).every((r) => typeof r.quality_parts?.grounding_judge === 'number') ? true : undefined),
      15_000,
      'the judge to run',
    )

    // A batch grounded in nothing neither says so nor offers the judge.
    const plain = await created(await postBatch(simulated.app, { template_id: template.id, count_per_item: 1 }))
    await worker(simulated.deps)
    await finished(simulated.app, plain.id)
    const plainPage = await (await simulated.app.request(`/batches/${plain.id}`, { headers: { cookie: editor } })).text()
    expect(plainPage).not.toContain('grounded in source chunks')
    expect(plainPage).not.toContain('judge-grounding')
    const viewer = await signIn(simulated.app, await makeUser(database, 'viewer'))
    expect((await simulated.app.request(`/batches/${id}/judge-grounding`, form({ confirmed: 'true' }, { cookie: viewer }))).status).toBe(403)
  })
})

describe('the generate page', () => {
  test('shows the chunks chosen in the chunk browser, carries them into the estimate and starts a grounded batch, without JavaScript', async () => {
    const doc = await returnsHandbook()
    const template = await makeTemplate(claude.app, editor)
    const page = await claude.app.request(`/generate?template_id=${template.id}&chunk_ids=${doc.chunkIds[0]}&chunk_ids=${doc.chunkIds[1]}`, {
      headers: { cookie: editor },
    })
    const html = await page.text()
    expect(page.status).toBe(200)
    expect(html).toContain('Source chunks (2)')
    expect(html).toContain('Returns handbook')
    expect(html).toContain('Returns › Refunds')
    expect(html).toContain('Refunds are paid to the original card within 10 days.')
    for (const chunkId of doc.chunkIds) expect(html).toContain(`name="chunk_ids" value="${chunkId}" checked`)

    // The form as the browser posts it, with one chunk unticked.
    const fields = new URLSearchParams({ template_id: template.id, count_per_item: '2', 'values.topic': 'returns' })
    fields.append('chunk_ids', doc.chunkIds[0]!)
    const post = (path: string) =>
      claude.app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie: editor },
        body: fields.toString(),
      })
    const preview = await (await post('/generate/preview')).text()
    expect(preview).toContain('Source chunks (1)')
    expect(preview).not.toContain(`value="${doc.chunkIds[1]}"`)
    // The default model caches prompts of 4,096 tokens and more; this short chunk is below that, so no reads are expected.
    const context: ChunkContext = {
      chunk_id: doc.chunkIds[0]!,
      document_id: doc.id,
      document_title: 'Returns handbook',
      heading_path: ['Returns', 'Refunds'],
      text: REFUNDS,
    }
    const [, tokens, reads] = /Grounded in 1 chunk: ([\d,]+) chunk tokens in all, with (\d+) expected cache reads/.exec(preview) ?? []
    expect(Number(tokens?.replace(/,/g, ''))).toBe(2 * countTokens(sourceBlockText(context)))
    expect(reads).toBe('0')
    expect(preview).toContain('shorter than the model&#39;s minimum cacheable length')

    const start = await post('/generate/batches')
    expect(start.status).toBe(303)
    const batchId = start.headers.get('location')!.split('/').at(-1)!
    const rows = await conversationsOf(batchId)
    expect(rows.map((r) => r.parent_chunk_id)).toEqual([doc.chunkIds[0], doc.chunkIds[0]])
  })

  test('a chunk id that no longer exists is left off the page, and starting with it is refused beside the chunks', async () => {
    const doc = await returnsHandbook()
    const template = await makeTemplate(claude.app, editor)
    const gone = '00000000-0000-4000-8000-000000000000'
    const html = await (
      await claude.app.request(`/generate?template_id=${template.id}&chunk_ids=${doc.chunkIds[0]}&chunk_ids=${gone}`, { headers: { cookie: editor } })
    ).text()
    expect(html).toContain('Source chunks (1)')
    const res = await claude.app.request('/generate/preview', form({ template_id: template.id, count_per_item: '1', chunk_ids: gone }, { cookie: editor }))
    expect(res.status).toBe(400)
    expect(await res.text()).toContain(`No such chunk: ${gone}`)
  })
})

describe('the grounding score', () => {
  const source: ChunkContext = { chunk_id: 'c', document_id: 'd', document_title: 'Returns handbook', heading_path: ['Returns'], text: REFUNDS }
  const chat = (answer: string) => [
    { role: 'user' as const, content: 'How do refunds work for my parcel and my gift card?' },
    { role: 'assistant' as const, content: answer },
  ]
  const faithful = chat('Refunds are paid to the original card within 10 days. Gift cards cannot be refunded for cash.')
  const contradicting = chat('Refunds are not paid to the original card; they take 45 days. Gift cards can be refunded for cash at any branch office nearby.')
  const unrelated = chat('Our loyalty programme awards points whenever customers purchase electronics during seasonal promotions.')

  test('is higher for a conversation that repeats the chunk\u2019s facts than for one that contradicts it or strays from it', () => {
    const good = scoreGrounding({ turns: faithful, source, dimensions: null })
    const bad = scoreGrounding({ turns: contradicting, source, dimensions: null })
    const off = scoreGrounding({ turns: unrelated, source, dimensions: null })
    expect(good.support).toBe(1)
    expect(good.contradictions).toBe(0)
    expect(bad.contradictions).toBeGreaterThan(0)
    expect(good.score).toBeGreaterThan(bad.score)
    expect(good.score).toBeGreaterThan(off.score)
    expect(off.support).toBe(0)
  })

  test('mixes in the chunk analysis confidence, and enters the quality score only for grounded conversations', () => {
    const sure = scoreGrounding({ turns: faithful, source, dimensions: ANALYSED })
    const unsure = scoreGrounding({
      turns: faithful,
      source,
      dimensions: {
        ...ANALYSED,
        personas: [{ name: 'x', confidence: 0.1 }],
        emotions: [{ name: 'y', confidence: 0.1 }],
        topics: [{ name: 'z', confidence: 0.1 }],
      },
    })
    expect(sure.score).toBeGreaterThan(unsure.score)

    const base = { turns: contradicting, minTurns: 2, maxTurns: 8, others: [] }
    const ungrounded = scoreQuality(base)
    expect(ungrounded.parts).not.toHaveProperty('grounding')
    const grounded = scoreQuality({ ...base, source: { context: source, dimensions: null } })
    expect(grounded.parts.grounding).toBeLessThan(5)
    expect(grounded.score).toBeLessThan(ungrounded.score)
  })
})
