import { sql } from 'kysely'
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createClaude } from '../src/claude/client'
import { conversationTool, conversationToolChoice } from '../src/claude/conversation-tool'
import { simulatedConversation } from '../src/claude/simulator'
import type { Deps } from '../src/deps'
import { activeAiSettings } from '../src/generation/ai-settings'
import { costOf } from '../src/generation/cost'
import { generateConversation } from '../src/generation/generate'
import { fallBackToOrdinaryCalls } from '../src/generation/message-batches'
import { checkModel } from '../src/generation/models'
import { progressHub } from '../src/generation/progress-hub'
import { novelty, shingles } from '../src/generation/quality'
import { acquireClaudeSlot, releaseClaudeSlot } from '../src/generation/rate-limit'
import { REFRESH_MS, recentShingles, rememberResult } from '../src/generation/recent-results'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import type { FakeAnthropic } from './fake-anthropic/server'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, testConfig, useApp } from './helpers/app'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { countJobs, makeTemplate, setAiSettings, useFakeAnthropic, viaFake, waitFor } from './helpers/generation'
import { readSse, type SseEvent } from './helpers/sse'

let database: TestDatabase
let fake: FakeAnthropic
let app: App
let deps: Deps
let editor: string
let admin: TestUser
let adminCookie: string
const workers: WorkerHandle[] = []

useFakeAnthropic((f) => (fake = f))
useApp('admin', (t) => ({ database, app, deps, user: admin, cookie: adminCookie } = t), { env: () => viaFake(fake) })
afterAll(() => progressHub(database.pool, deps.log).close())
beforeEach(async () => {
  await emptyJobQueue(database)
  editor = await signIn(app, await makeUser(database, 'editor'))
  // Fast defaults for tests: plenty of rate, a short timeout.
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, max_retries: 3 })
})

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

async function worker(): Promise<WorkerHandle> {
  const handle = await startWorker(deps, database.pool)
  workers.push(handle)
  return handle
}

const postBatch = (body: Record<string, unknown>, cookie = editor) => app.request('/api/batches', json(body, { cookie, origin: ORIGIN }))

async function batchState(id: string) {
  const res = await app.request(`/api/batches/${id}`, { headers: { cookie: editor, accept: 'application/json' } })
  return (await res.json()) as {
    status: string
    counts: { queued: number; generating: number; done: number; failed: number; cancelled: number }
    cost_usd: number
  }
}

const finished = (id: string) =>
  waitFor(
    async () => {
      const state = await batchState(id)
      return state.status === 'done' || state.status === 'cancelled' ? state : undefined
    },
    20_000,
    'the batch to finish',
  )

async function nothingCreated() {
  const batches = await database.db
    .selectFrom('batches')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  const conversations = await database.db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  expect({ batches: batches.n, conversations: conversations.n, jobs: await countJobs(database) }).toEqual({ batches: 0, conversations: 0, jobs: 0 })
}

describe('starting a batch', () => {
  test('creates the batch, one queued conversation per item and copy, and one job each, and returns the estimate', async () => {
    const template = await makeTemplate(app, editor)
    const res = await postBatch({ template_id: template.id, count_per_item: 5, name: 'Refunds' })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { id: string; estimate: { calls: number; input_tokens: number; output_tokens: number; cost_usd: number } }
    expect(body.estimate.calls).toBe(5)
    expect(body.estimate.input_tokens).toBeGreaterThan(0)
    expect(body.estimate.cost_usd).toBeGreaterThan(0)
    const rows = await database.db.selectFrom('conversations').select(['status', 'template_version_id', 'prompt']).where('batch_id', '=', body.id).execute()
    expect(rows).toHaveLength(5)
    expect(rows.every((r) => r.status === 'queued')).toBe(true)
    expect(new Set(rows.map((r) => r.prompt)).size).toBe(5)
    expect(rows[0]!.prompt).toContain('a delayed refund')
    expect(await countJobs(database)).toBe(5)
    expect((await batchState(body.id)).counts).toEqual({ queued: 5, generating: 0, done: 0, failed: 0, cancelled: 0 })
  })

  test('copies of one item are told apart in their prompts, so the simulator writes each differently too', async () => {
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 3, values: { topic: 'a lost card' } })).json()) as { id: string }
    const rows = await database.db.selectFrom('conversations').select(['prompt', 'system_prompt']).where('batch_id', '=', id).execute()
    expect(rows.map((r) => /This is variation (\d) of 3/.exec(r.prompt)?.[1]).sort()).toEqual(['1', '2', '3'])
    const written = rows.map((r) =>
      JSON.stringify(
        simulatedConversation({
          model: 'claude-haiku-4-5',
          max_tokens: 4096,
          system: [{ type: 'text', text: r.system_prompt }],
          messages: [{ role: 'user', content: r.prompt }],
          tools: [conversationTool],
          tool_choice: conversationToolChoice,
        }).turns,
      ),
    )
    expect(new Set(written).size).toBe(3)
  })

  test('a grid makes one item per persona × emotion × topic', async () => {
    const template = await makeTemplate(app, editor)
    const res = await postBatch({
      template_id: template.id,
      count_per_item: 2,
      grid: { persona: ['a student', 'a retiree'], emotion: ['calm', 'angry'], topic: ['fees'] },
    })
    expect(res.status).toBe(201)
    const { id } = (await res.json()) as { id: string }
    const rows = await database.db.selectFrom('conversations').select(['persona', 'emotion']).where('batch_id', '=', id).execute()
    expect(rows).toHaveLength(8)
    expect(new Set(rows.map((r) => `${r.persona}/${r.emotion}`)).size).toBe(4)
  })

  test('refuses bad input with a clear message and creates nothing', async () => {
    const template = await makeTemplate(app, editor, {
      prompt: 'A customer asks about {{topic}} in {{language}}.',
      parameters: [
        { name: 'topic', type: 'string', required: true },
        { name: 'language', type: 'enum', required: true, values: ['English', 'French'] },
      ],
    })
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ count_per_item: 1 }, 400, /template_id/],
      [{ template_id: template.id, count_per_item: 'lots', values: { topic: 'fees', language: 'English' } }, 400, /count_per_item/],
      [{ template_id: template.id, count_per_item: 0, values: { topic: 'fees', language: 'English' } }, 400, /at least 1/],
      [{ template_id: template.id, count_per_item: 10_001, values: { topic: 'fees', language: 'English' } }, 400, /maximum per batch is 10000/],
      [{ template_id: '00000000-0000-4000-8000-000000000000', count_per_item: 1 }, 404, /template/],
      [
        { template_id: template.id, count_per_item: 1, scenario_ids: ['00000000-0000-4000-8000-000000000000'], values: { topic: 'fees', language: 'English' } },
        400,
        /scenario/,
      ],
      [{ template_id: template.id, count_per_item: 1, values: { topic: 'fees' } }, 400, /Missing values for: language/],
      [{ template_id: template.id, count_per_item: 1, values: { topic: 'fees', language: 'German' } }, 400, /Must be one of: English, French/],
      [
        { template_id: template.id, count_per_item: 1, values: { topic: 'fees', language: 'English', mood: 'x' } },
        400,
        /Not parameters of this template: mood/,
      ],
    ]
    for (const [body, status, message] of cases) {
      const res = await postBatch(body)
      expect(res.status, JSON.stringify(body)).toBe(status)
      const error = ((await res.json()) as { error: { message: string } }).error
      expect(error.message).toMatch(message)
    }
    await nothingCreated()
  })

  test('viewers may not start a batch', async () => {
    const template = await makeTemplate(app, editor)
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    const res = await postBatch({ template_id: template.id, count_per_item: 1 }, viewer)
    expect(res.status).toBe(403)
    await nothingCreated()
  })
})

describe('generating', () => {
  test('a batch runs to completion through the Claude API with cached system prompt, forced tool, usage, cost, quality and versions', async () => {
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 4 })).json()) as { id: string }
    await worker()
    const state = await finished(id)
    expect(state).toMatchObject({ status: 'done', counts: { queued: 0, generating: 0, done: 4, failed: 0 } })
    expect(state.cost_usd).toBeGreaterThan(0)
    const rows = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).execute()
    for (const row of rows) {
      expect(row.status).toBe('pending_review')
      expect(row.turns.length).toBeGreaterThanOrEqual(4)
      expect(row.turns.length).toBeLessThanOrEqual(8)
      expect(row.title).not.toBe('')
      expect(row.quality_score).not.toBeNull()
      expect(Object.keys(row.quality_parts ?? {}).sort()).toEqual(['leakage', 'length_balance', 'novelty', 'repetition', 'structure', 'turn_count'])
      expect(row.simulated).toBe(false)
      expect(row.attempts).toBe(1)
      expect(row.input_tokens + row.cache_read_tokens + row.cache_write_tokens).toBeGreaterThan(0)
    }
    // The prompt cache was written once and read by the later calls.
    expect(rows.some((r) => r.cache_write_tokens > 0)).toBe(true)
    const versions = await database.db.selectFrom('conversation_versions').select(['source']).execute()
    expect(versions.map((v) => v.source)).toEqual(['generated', 'generated', 'generated', 'generated'])
    const request = fake.requests.find((r) => r.path === '/v1/messages')!.body as {
      system: Array<{ cache_control?: unknown }>
      tool_choice: { type: string; name: string }
    }
    expect(request.system[0]!.cache_control).toEqual({ type: 'ephemeral' })
    expect(request.tool_choice).toEqual({ type: 'tool', name: 'record_conversation' })
    // The queue completes a job just after its task returns, so the last one may lag the batch's status.
    await waitFor(async () => (await countJobs(database)) === 0, 5_000, 'every job to be completed')
    // The finished batch carries its totals: the sums of its conversations.
    const batch = await database.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    expect(Number(batch.cost_usd)).toBeCloseTo(
      rows.reduce((sum, r) => sum + Number(r.cost_usd), 0),
      6,
    )
    expect(batch.output_tokens).toBe(rows.reduce((sum, r) => sum + r.output_tokens, 0))
    expect(batch.finished_at).not.toBeNull()
  })

  test('429 with retry-after, 529, 500 and a timeout are retried until the conversation completes exactly once', async () => {
    await setAiSettings(database, admin.id, { max_retries: 5, timeout_ms: 1_000 })
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'rate_limit', retryAfterSeconds: 1 }, { kind: 'overloaded' }, { kind: 'server_error' }, { kind: 'slow', delayMs: 2_000 })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    const state = await finished(id)
    expect(state.counts).toEqual({ queued: 0, generating: 0, done: 1, failed: 0, cancelled: 0 })
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row.attempts).toBe(5)
    expect(row.error_code).toBeNull()
    expect(await database.db.selectFrom('conversation_versions').selectAll().execute()).toHaveLength(1)
  }, 30_000)

  test('a transient error past the retry budget fails the conversation with code, message and attempts, and it can be retried alone', async () => {
    await setAiSettings(database, admin.id, { retry_budget_minutes: 0 })
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'server_error' })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    const state = await finished(id)
    expect(state.counts.failed).toBe(1)
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'failed', error_code: 'server_error', attempts: 1 })
    expect(row.error_message).toMatch(/internal error.*retry budget is 0 minute/)

    const page = await app.request(`/conversations/${row.id}/generation`, { headers: { cookie: editor } })
    expect(await page.text()).toContain('server_error')
    const retried = await app.request(`/conversations/${row.id}/retry`, form({}, { cookie: editor }))
    expect(retried.status).toBe(303)
    const done = await waitFor(async () => {
      const r = await database.db.selectFrom('conversations').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow()
      return r.status === 'pending_review' ? r : undefined
    })
    expect(done.error_code).toBeNull()
    expect((await finished(id)).counts).toEqual({ queued: 0, generating: 0, done: 1, failed: 0, cancelled: 0 })
  })

  test('transient errors are retried past any fixed number of attempts while the retry budget lasts', async () => {
    await setAiSettings(database, admin.id, { max_retries: 1, retry_budget_minutes: 30 })
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'server_error' }, { kind: 'overloaded' }, { kind: 'rate_limit', retryAfterSeconds: 0 }, { kind: 'server_error' })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    expect((await finished(id)).counts).toEqual({ queued: 0, generating: 0, done: 1, failed: 0, cancelled: 0 })
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row.attempts).toBe(5)
  }, 30_000)

  test('an invalid request fails at once, without a retry', async () => {
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'model_not_found' })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    expect((await finished(id)).counts.failed).toBe(1)
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'failed', error_code: 'unknown', attempts: 1 })
    expect(fake.requestCount).toBe(1)
  })

  test('refused content fails at once, without another call', async () => {
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'refusal' })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    expect((await finished(id)).counts.failed).toBe(1)
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row).toMatchObject({ status: 'failed', error_code: 'refused', attempts: 1 })
    expect(fake.requestCount).toBe(1)
  })

  test('a batch of 150 under a 30% mix of 429, 529, 500 and malformed output completes with none failed and never more requests a minute than configured', async () => {
    const rpm = 1_200
    await setAiSettings(database, admin.id, { requests_per_minute: rpm, max_concurrency: 10, retry_budget_minutes: 30 })
    fake.setFaultMix({
      rate: 0.3,
      faults: [{ kind: 'rate_limit', retryAfterSeconds: 1 }, { kind: 'overloaded' }, { kind: 'server_error' }, { kind: 'malformed' }],
    })
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 150 })).json()) as { id: string }
    await worker()
    await worker()
    const state = await waitFor(
      async () => {
        const s = await batchState(id)
        return s.status === 'done' ? s : undefined
      },
      90_000,
      'the batch to finish',
    )
    expect(state.counts).toEqual({ queued: 0, generating: 0, done: 150, failed: 0, cancelled: 0 })
    const calls = fake.requests
      .filter((r) => r.path === '/v1/messages')
      .map((r) => r.at)
      .sort((a, b) => a - b)
    // Faults met and retried: more calls than conversations.
    expect(calls.length).toBeGreaterThan(170)
    // The most calls that started in any 10 seconds, as a rate per minute.
    const windowMs = 10_000
    let most = 0
    for (let i = 0, j = 0; i < calls.length; i++) {
      while (calls[j]! < calls[i]! - windowMs + 1) j++
      most = Math.max(most, i - j + 1)
    }
    const perMinute = (most * 60_000) / windowMs
    console.info(`fault mix: ${state.counts.failed} of 150 failed, ${calls.length} calls, at most ${perMinute} requests/minute (limit ${rpm})`)
    expect(perMinute).toBeLessThanOrEqual(rpm)
  }, 120_000)

  test('with an auto-approve threshold set, a finished conversation is approved by the system as it is scored', async () => {
    const saved = await app.request('/review/settings', form({ reasons: 'off_topic: Off topic', auto_approve_above: '0' }, { cookie: adminCookie }))
    expect(saved.status).toBe(303)
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    await finished(id)
    const row = await database.db.selectFrom('conversations').select(['id', 'status']).where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row.status).toBe('approved')
    const actions = await database.db
      .selectFrom('review_actions')
      .select(['action', 'reviewer_id', 'to_status'])
      .where('conversation_id', '=', row.id)
      .execute()
    expect(actions).toEqual([{ action: 'auto_approve', reviewer_id: null, to_status: 'approved' }])
  })

  test('the result, its auto-review status and its review action commit together: when the action cannot be written, nothing of the result is stored', async () => {
    const saved = await app.request('/review/settings', form({ reasons: 'off_topic: Off topic', auto_approve_above: '0' }, { cookie: adminCookie }))
    expect(saved.status).toBe(303)
    const template = await makeTemplate(app, editor)
    const { id: batch } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    const { id } = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', batch).executeTakeFirstOrThrow()
    await sql`create function refuse_review_actions() returns trigger language plpgsql as $$ begin raise exception 'review_actions refused'; end $$`.execute(
      database.db,
    )
    await sql`create trigger refuse_review_actions before insert on review_actions for each row execute function refuse_review_actions()`.execute(database.db)
    try {
      const claude = createClaude({ apiKey: 'sk-test', baseURL: fake.url })
      await expect(generateConversation({ db: database.db, log: deps.log, claude }, id, { attempts: 1, maxAttempts: 5 })).rejects.toThrow(
        'review_actions refused',
      )
    } finally {
      await sql`drop trigger refuse_review_actions on review_actions`.execute(database.db)
      await sql`drop function refuse_review_actions()`.execute(database.db)
    }
    const halfway = await database.db
      .selectFrom('conversations')
      .select(['status', 'turn_count', 'quality_score', 'version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(halfway).toEqual({ status: 'generating', turn_count: 0, quality_score: null, version: 1 })
    expect(await database.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', id).execute()).toEqual([])

    // The job runs again: result, decision and action appear together.
    await worker()
    await finished(batch)
    const done = await database.db.selectFrom('conversations').select(['status', 'turn_count', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(done).toMatchObject({ status: 'approved', version: 2 })
    expect(done.turn_count).toBeGreaterThan(0)
    const actions = await database.db
      .selectFrom('review_actions')
      .select(['action', 'reviewer_id', 'from_status', 'to_status'])
      .where('conversation_id', '=', id)
      .execute()
    expect(actions).toEqual([{ action: 'auto_approve', reviewer_id: null, from_status: 'pending_review', to_status: 'approved' }])
  })

  test('malformed output is asked for again with a correction, then later; it fails with invalid_output only past the retry budget', async () => {
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'malformed' }, { kind: 'text_instead_of_tool' }, { kind: 'malformed' }, { kind: 'malformed' })
    const kept = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    expect((await finished(kept.id)).counts.done).toBe(1)
    const retried = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', kept.id).executeTakeFirstOrThrow()
    expect(retried.attempts).toBe(2)
    const corrected = fake.requests.filter((r) => JSON.stringify(r.body).includes('Your previous answer was rejected'))
    expect(corrected.length).toBeGreaterThanOrEqual(2)

    await setAiSettings(database, admin.id, { retry_budget_minutes: 0 })
    fake.enqueue({ kind: 'malformed' }, { kind: 'text_instead_of_tool' }, { kind: 'malformed' })
    const bad = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await finished(bad.id)
    const failed = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', bad.id).executeTakeFirstOrThrow()
    expect(failed.status).toBe('failed')
    expect(failed.error_code).toBe('invalid_output')
    expect(failed.output_tokens).toBeGreaterThan(0)
  })

  test('a template with 2 to 6 turns gets 2 to 6 simulated turns, each conversation in one call', async () => {
    const template = await makeTemplate(app, editor, { min_turns: 2, max_turns: 6 })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 16 })).json()) as { id: string }
    await worker()
    expect((await finished(id)).counts).toEqual({ queued: 0, generating: 0, done: 16, failed: 0, cancelled: 0 })
    const rows = await database.db.selectFrom('conversations').select(['turn_count', 'attempts', 'trimmed_from_turns']).where('batch_id', '=', id).execute()
    for (const row of rows) {
      expect(row.turn_count).toBeGreaterThanOrEqual(2)
      expect(row.turn_count).toBeLessThanOrEqual(6)
      expect(row.trimmed_from_turns).toBeNull()
      expect(row.attempts).toBe(1)
    }
    expect(fake.requestCount).toBe(16)
  })

  test('an answer with too many turns is trimmed to the longest prefix in range that ends with the assistant, recorded, and not paid for again', async () => {
    const template = await makeTemplate(app, editor, { min_turns: 2, max_turns: 5 })
    fake.enqueue({ kind: 'turns', count: 9 })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    expect((await finished(id)).counts.done).toBe(1)
    const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).executeTakeFirstOrThrow()
    expect(row.turns).toHaveLength(4)
    expect(row.turns.at(-1)!.role).toBe('assistant')
    expect(row.trimmed_from_turns).toBe(9)
    expect(fake.requestCount).toBe(1)
    const page = await (await app.request(`/conversations/${row.id}/generation`, { headers: { cookie: editor } })).text()
    expect(page).toContain('Claude wrote 9 turns')

    // When no prefix fits (3 turns exactly cannot end with the assistant), the answer is asked for again.
    const odd = await makeTemplate(app, editor, { name: 'Three turns', min_turns: 3, max_turns: 3 })
    fake.enqueue({ kind: 'turns', count: 5 }, { kind: 'turns', count: 3 })
    const second = (await (await postBatch({ template_id: odd.id, count_per_item: 1 })).json()) as { id: string }
    expect((await finished(second.id)).counts.done).toBe(1)
    const three = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', second.id).executeTakeFirstOrThrow()
    expect(three).toMatchObject({ turn_count: 3, trimmed_from_turns: null })
  })

  test('a template edited while its batch runs keeps the version the batch started with', async () => {
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 2 })).json()) as { id: string }
    const edit = await app.request(
      `/api/templates/${template.id}`,
      json(
        {
          name: 'Support chat',
          system_prompt: 'EDITED system prompt.',
          prompt: 'EDITED: a customer asks about {{topic}}.',
          parameters: [{ name: 'topic', type: 'string', required: true }],
          min_turns: 2,
          max_turns: 4,
        },
        { cookie: editor, origin: ORIGIN },
        'PUT',
      ),
    )
    expect(edit.status).toBe(200)
    await worker()
    await finished(id)
    const batch = await database.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const rows = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).execute()
    for (const row of rows) {
      expect(row.template_version_id).toBe(batch.template_version_id)
      expect(row.system_prompt).not.toContain('EDITED')
      expect(row.turns.length).toBeGreaterThanOrEqual(4)
    }
    expect(fake.requests.every((r) => !JSON.stringify(r.body).includes('EDITED'))).toBe(true)
  })

  test('cancelling a running batch stops it: unfinished conversations become cancelled, not failed, and their jobs are removed', async () => {
    fake.setDefaultDelay(200)
    await setAiSettings(database, admin.id, { max_concurrency: 2 })
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 30 })).json()) as { id: string }
    await worker()
    await waitFor(async () => (await batchState(id)).counts.done >= 2, 10_000, 'some progress')
    const res = await app.request(`/api/batches/${id}/cancel`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(res.status).toBe(200)
    await waitFor(async () => (await batchState(id)).counts.generating === 0, 10_000, 'calls in flight to end')
    const state = await batchState(id)
    expect(state.status).toBe('cancelled')
    expect(state.counts.done + state.counts.cancelled).toBe(30)
    expect(state.counts.cancelled).toBeGreaterThan(10)
    expect(state.counts.failed).toBe(0)
    const failed = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', id).where('status', '=', 'failed').execute()
    expect(failed).toEqual([])
    // Jobs already running finish (their results are discarded); nothing else is left to run.
    await waitFor(async () => (await countJobs(database)) === 0, 10_000, 'running jobs to end')
    expect((await batchState(id)).counts).toEqual(state.counts)
  })

  test('pausing keeps queued conversations waiting; resuming finishes the batch', async () => {
    fake.setDefaultDelay(100)
    await setAiSettings(database, admin.id, { max_concurrency: 1 })
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 12 })).json()) as { id: string }
    await worker()
    await waitFor(async () => (await batchState(id)).counts.done >= 1, 10_000, 'some progress')
    expect((await app.request(`/batches/${id}/pause`, form({}, { cookie: editor }))).status).toBe(303)
    await waitFor(async () => (await batchState(id)).counts.generating === 0, 10_000, 'calls in flight to end')
    const paused = await batchState(id)
    expect(paused.status).toBe('paused')
    expect(paused.counts.queued).toBeGreaterThan(0)
    await new Promise((r) => setTimeout(r, 500))
    expect((await batchState(id)).counts.done).toBe(paused.counts.done)
    expect((await app.request(`/api/batches/${id}/resume`, json({}, { cookie: editor, origin: ORIGIN }))).status).toBe(200)
    expect(await finished(id)).toMatchObject({ status: 'done', counts: { done: 12, failed: 0 } })
  })

  test('two workers together respect the shared requests-per-minute and concurrency limits', async () => {
    fake.setDefaultDelay(300)
    await setAiSettings(database, admin.id, { requests_per_minute: 240, max_concurrency: 2 })
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 10 })).json()) as { id: string }
    const started = Date.now()
    await worker()
    await worker()
    let maxLeases = 0
    await waitFor(
      async () => {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from claude_leases`.execute(database.db)
        maxLeases = Math.max(maxLeases, rows[0]!.n)
        return (await batchState(id)).status === 'done'
      },
      20_000,
      'the batch to finish',
    )
    // 240/min is one call every 250 ms: ten calls cannot start in less than 2.25 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_250)
    expect(maxLeases).toBeLessThanOrEqual(2)
    expect(fake.requestCount).toBe(10)
  })
})

describe('the Message Batches API', () => {
  const apiCalls = (method: string, path: RegExp) => fake.requests.filter((r) => r.method === method && path.test(r.path))

  test('a batch sent through it is submitted once, polled until it ends, and stored at half the price', async () => {
    fake.setBatchProcessing(2_500)
    const template = await makeTemplate(app, editor)
    const refused = await postBatch({ template_id: template.id, count_per_item: 3, message_batches: 'maybe' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { error: { fields: Record<string, string> } }).error.fields.message_batches).toMatch(/true or false/)
    const ordinary = (await (await postBatch({ template_id: template.id, count_per_item: 3 })).json()) as { id: string; estimate: { cost_usd: number } }
    await app.request(`/api/batches/${ordinary.id}/cancel`, json({}, { cookie: editor, origin: ORIGIN }))
    const res = await postBatch({ template_id: template.id, count_per_item: 3, message_batches: true })
    expect(res.status).toBe(201)
    const { id, estimate } = (await res.json()) as { id: string; estimate: { cost_usd: number; expected_seconds: number } }
    expect(estimate.cost_usd).toBeCloseTo(ordinary.estimate.cost_usd / 2, 5)
    expect(estimate.expected_seconds).toBe(24 * 3600)
    // One job for the whole batch, none per conversation.
    const { rows: jobs } = await sql<{ task_identifier: string }>`select task_identifier from graphile_worker.jobs`.execute(database.db)
    expect(jobs.map((j) => j.task_identifier)).toEqual(['message_batch'])

    await worker()
    expect(await finished(id)).toMatchObject({ status: 'done', counts: { queued: 0, generating: 0, done: 3, failed: 0 } })
    const conversations = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', id).execute()
    const created = apiCalls('POST', /^\/v1\/messages\/batches$/)
    expect(created).toHaveLength(1)
    const body = created[0]!.body as { requests: Array<{ custom_id: string; params: { system: Array<{ cache_control?: unknown }>; tool_choice: unknown } }> }
    expect(body.requests.map((r) => r.custom_id).sort()).toEqual(conversations.map((c) => c.id).sort())
    expect(body.requests[0]!.params.system[0]!.cache_control).toEqual({ type: 'ephemeral' })
    expect(body.requests[0]!.params.tool_choice).toEqual({ type: 'tool', name: 'record_conversation' })
    // Polled while in progress (the SDK reads the batch once more before fetching its results).
    expect(apiCalls('GET', /^\/v1\/messages\/batches\/msgbatch_\w+$/).length).toBeGreaterThanOrEqual(3)
    expect(apiCalls('POST', /^\/v1\/messages$/)).toHaveLength(0)
    for (const c of conversations) {
      expect(c).toMatchObject({ status: 'pending_review', attempts: 1, simulated: false })
      expect(c.turns.length).toBeGreaterThanOrEqual(4)
      expect(c.quality_score).not.toBeNull()
      const usage = {
        input_tokens: c.input_tokens,
        output_tokens: c.output_tokens,
        cache_read_tokens: c.cache_read_tokens,
        cache_write_tokens: c.cache_write_tokens,
      }
      expect(Number(c.cost_usd)).toBeCloseTo(costOf(c.model!, usage) / 2, 5)
    }
    const state = (await (await app.request(`/api/batches/${id}`, { headers: { cookie: editor, accept: 'application/json' } })).json()) as Record<
      string,
      unknown
    >
    expect(state).toMatchObject({ message_batches: true, message_batch_id: expect.stringMatching(/^msgbatch_/) })
    // The queue completes a job just after its task returns, so the last one may lag the batch's status.
    await waitFor(async () => (await countJobs(database)) === 0, 5_000, 'every job to be completed')
  })

  test('a request the API could not answer, or answered with invalid output, goes through an ordinary call instead', async () => {
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'overloaded' }, { kind: 'malformed' })
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 4, message_batches: true })).json()) as { id: string }
    await worker()
    expect(await finished(id)).toMatchObject({ status: 'done', counts: { done: 4, failed: 0 } })
    expect(apiCalls('POST', /^\/v1\/messages$/)).toHaveLength(2)
    const attempts = (await database.db.selectFrom('conversations').select('attempts').where('batch_id', '=', id).execute()).map((c) => c.attempts).sort()
    expect(attempts).toEqual([1, 1, 2, 2])
  })

  test('the generate form offers it: the preview shows the batch price and the batch page says where it went', async () => {
    const template = await makeTemplate(app, editor)
    const page = await (await app.request(`/generate?template_id=${template.id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('name="message_batches"')
    const fields = { template_id: template.id, count_per_item: '2', message_batches: 'on' }
    const preview = await (await app.request('/generate/preview', form(fields, { cookie: editor }))).text()
    expect(preview).toContain('at Message Batches prices, with results within 24 hours')
    const start = await app.request('/generate/batches', form(fields, { cookie: editor }))
    expect(start.status).toBe(303)
    const location = start.headers.get('location')!
    const batch = await database.db.selectFrom('batches').select('uses_message_batches').where('id', '=', location.split('/')[2]!).executeTakeFirstOrThrow()
    expect(batch.uses_message_batches).toBe(true)
    const batchPage = await (await app.request(location, { headers: { cookie: editor } })).text()
    expect(batchPage).toContain('Message Batches API: submitting')
    expect(batchPage).toContain(`${location}/cancel"`)
    expect(batchPage).not.toContain(`${location}/pause"`)
  })

  test('when its job gives up, the waiting conversations fall back to ordinary calls and the API batch is cancelled', async () => {
    fake.setBatchProcessing(60_000)
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 2, message_batches: true })).json()) as { id: string }
    await worker()
    await waitFor(
      async () => (await database.db.selectFrom('batches').select('message_batch_id').where('id', '=', id).executeTakeFirstOrThrow()).message_batch_id,
    )
    await Promise.all(workers.splice(0).map((w) => w.stop()))
    const claude = createClaude({ apiKey: 'sk-test', baseURL: fake.url })
    await fallBackToOrdinaryCalls({ db: database.db, log: deps.log, claude }, id, 'the API did not answer for hours')
    const waiting = await database.db.selectFrom('conversations').select(['status', 'error_code']).where('batch_id', '=', id).execute()
    expect(waiting).toEqual([
      { status: 'queued', error_code: 'message_batch_failed' },
      { status: 'queued', error_code: 'message_batch_failed' },
    ])
    expect(apiCalls('POST', /^\/v1\/messages\/batches\/msgbatch_\w+\/cancel$/)).toHaveLength(1)
    await sql`select graphile_worker.remove_job(${`message_batch:${id}`})`.execute(database.db) // the poll that gave up
    await worker()
    expect(await finished(id)).toMatchObject({ status: 'done', counts: { done: 2, failed: 0 } })
    expect(apiCalls('POST', /^\/v1\/messages$/)).toHaveLength(2)
  })

  test('it cannot be paused; cancelling marks what is unfinished cancelled and cancels the API batch', async () => {
    fake.setBatchProcessing(60_000)
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 2, message_batches: true })).json()) as { id: string }
    await worker()
    await waitFor(
      async () => (await database.db.selectFrom('batches').select('message_batch_id').where('id', '=', id).executeTakeFirstOrThrow()).message_batch_id,
    )
    const pause = await app.request(`/api/batches/${id}/pause`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(pause.status).toBe(409)
    expect(((await pause.json()) as { error: { message: string } }).error.message).toMatch(/cannot be paused/)
    const cancel = await app.request(`/api/batches/${id}/cancel`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(cancel.status).toBe(200)
    expect(await batchState(id)).toMatchObject({ status: 'cancelled', counts: { cancelled: 2, failed: 0, generating: 0 } })
    await waitFor(async () => apiCalls('POST', /^\/v1\/messages\/batches\/msgbatch_\w+\/cancel$/).length === 1, 10_000, 'the API batch to be cancelled')
  })
})

describe('shared state between workers', () => {
  test('concurrent asks for the rate limit get evenly spaced slots and never more places than the concurrency', async () => {
    const settings = { ...(await activeAiSettings(database.db)), requests_per_minute: 600, max_concurrency: 3 }
    const granted: string[] = []
    const asks = Array.from({ length: 5 }, () => acquireClaudeSlot(database.db, settings, 'test-holder').then((id) => void granted.push(id)))
    await waitFor(async () => granted.length === 3, 5_000, 'three leases')
    const { rows } = await sql<{ at: number }>`select extract(epoch from expires_at) * 1000 as at from claude_leases order by expires_at`.execute(database.db)
    expect(rows).toHaveLength(3)
    // 600/min is paced at 588/min: one start every 102 ms.
    const gaps = rows.slice(1).map((r, i) => r.at - rows[i]!.at)
    for (const gap of gaps) expect(gap).toBeCloseTo(60_000 / 588, 0)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(granted).toHaveLength(3)
    // A place freed is taken by one of the waiting asks, and only one.
    await releaseClaudeSlot(database.db, granted[0]!)
    await waitFor(async () => granted.length === 4, 5_000, 'the fourth lease')
    await releaseClaudeSlot(database.db, granted[1]!)
    await Promise.all(asks)
    const live = await sql<{ n: number }>`select count(*)::int as n from claude_leases`.execute(database.db)
    expect(live.rows[0]!.n).toBe(3)
  })

  test('an ask stopped while it waits for its start slot gives its place back at once', async () => {
    const settings = { ...(await activeAiSettings(database.db)), requests_per_minute: 6, max_concurrency: 3 }
    const first = await acquireClaudeSlot(database.db, settings, 'test-holder') // starts now; the next may start in 10 s
    const stop = new AbortController()
    const waiting = acquireClaudeSlot(database.db, settings, 'test-holder', stop.signal)
    await waitFor(
      async () => (await sql<{ n: number }>`select count(*)::int as n from claude_leases`.execute(database.db)).rows[0]!.n === 2,
      5_000,
      'the second lease',
    )
    stop.abort()
    await expect(waiting).rejects.toThrow()
    const left = await database.db.selectFrom('claude_leases').select('id').execute()
    expect(left.map((l) => l.id)).toEqual([first])
  })

  test('a result is compared with the latest results of its batch, including those another worker stored', async () => {
    const template = await makeTemplate(app, editor)
    const { id: batchId } = (await (await postBatch({ template_id: template.id, count_per_item: 3 })).json()) as { id: string }
    const [mine, theirs, other] = (await database.db.selectFrom('conversations').select('id').where('batch_id', '=', batchId).orderBy('id').execute()).map(
      (r) => r.id,
    )
    const turns = [
      { role: 'user' as const, content: 'My card payment to the grocery store was declined twice this morning.' },
      { role: 'assistant' as const, content: 'I am sorry about that. I can see two declined attempts; your daily limit was reached at 9:14.' },
    ]
    expect(await recentShingles(database.db, batchId, other!)).toEqual([])
    // Another worker process stores a result: this process sees it at its next refresh.
    await sql`update conversations set status = 'pending_review', turns = ${JSON.stringify(turns)}::jsonb, updated_at = now() where id = ${theirs}::uuid`.execute(
      database.db,
    )
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS + 50))
    const seen = await recentShingles(database.db, batchId, other!)
    expect(seen).toHaveLength(1)
    expect(novelty(shingles(turns), seen)).toBe(0)
    // This process's own result counts at once; a conversation is never compared with itself.
    rememberResult(batchId, mine!, shingles(turns.slice(0, 1)))
    expect(await recentShingles(database.db, batchId, other!)).toHaveLength(2)
    expect(await recentShingles(database.db, batchId, mine!)).toHaveLength(1)
  })
})

describe('live progress', () => {
  /** Reads the progress events until `until` accepts one, then stops the stream. */
  async function readEvents(path: string, until: (e: SseEvent) => boolean, headers: Record<string, string> = {}) {
    const res = await app.request(path, { headers: { cookie: editor, accept: 'text/event-stream', ...headers } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const stream = readSse(res)
    try {
      return (await stream.readUntil((e) => e.event === 'progress' && until(e), 20_000)).filter((e) => e.event === 'progress')
    } finally {
      await stream.cancel()
    }
  }

  test('the batch page shows the current state without JavaScript, and its event stream pushes progress until done', async () => {
    fake.setDefaultDelay(50)
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 5 })).json()) as { id: string }
    const page = await (await app.request(`/batches/${id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('data-count="queued">5<')
    expect(page).toContain(`data-sse-src="/batches/${id}/events"`)
    await worker()
    const events = await readEvents(`/batches/${id}/events`, (e) => e.data.includes('data-finished="true"'))
    expect(events[0]!.data).toContain('id="batch-progress"')
    expect(events.length).toBeGreaterThan(1)
    expect(events.at(-1)!.data).toContain('data-count="done">5<')
    const ids = events.map((e) => Number(e.id))
    expect(ids).toEqual([...ids].sort((a, b) => a - b))

    // A reconnect gets the current state first, with ids continuing after Last-Event-ID.
    const again = await readEvents(`/batches/${id}/events`, () => true, { 'last-event-id': String(ids.at(-1)) })
    expect(Number(again[0]!.id)).toBe(ids.at(-1)! + 1)
    expect(again[0]!.data).toContain('data-count="done">5<')
  })

  test('the batches list shows each batch with its status', async () => {
    const template = await makeTemplate(app, editor)
    await postBatch({ template_id: template.id, count_per_item: 2, name: 'Listed batch' })
    const page = await (await app.request('/batches', { headers: { cookie: editor } })).text()
    expect(page).toContain('Listed batch')
    expect(page).toContain('running')
  })

  test('the batches list pages through every batch, even many created within one millisecond', async () => {
    const template = await makeTemplate(app, editor)
    const { id: first } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await sql`update batches set created_at = date_trunc('milliseconds', created_at) where id = ${first}::uuid`.execute(database.db)
    await sql`insert into batches (name, template_id, template_version_id, status, settings, estimate, total, created_at)
      select 'Copy ' || n, template_id, template_version_id, status, settings, estimate, total, created_at + make_interval(secs => n / 1e6)
      from batches, generate_series(1, 60) as n where id = ${first}::uuid`.execute(database.db)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Response = await app.request(`/batches${cursor ? `?cursor=${cursor}` : ''}`, { headers: { cookie: editor, accept: 'application/json' } })
      expect(res.status).toBe(200)
      const page = (await res.json()) as { items: { id: string }[]; next_cursor: string | null }
      seen.push(...page.items.map((b) => b.id))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(61)
    expect(new Set(seen).size).toBe(61)
  })
})

describe('the generate page', () => {
  test('choosing a template shows its values, scenarios and batch fields; preview shows the estimate; start lands on the batch', async () => {
    const template = await makeTemplate(app, editor)
    const scenario = await app.request(
      '/api/scenarios',
      json(
        { template_id: template.id, name: 'Angry student', persona: 'a student', emotion: 'angry', topic: 'overdraft fees' },
        { cookie: editor, origin: ORIGIN },
      ),
    )
    expect(scenario.status).toBe(201)
    const { id: scenarioId } = (await scenario.json()) as { id: string }
    const page = await (await app.request(`/generate?template_id=${template.id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('name="values.topic"')
    expect(page).toContain('Angry student')
    expect(page).not.toContain('Start batch')

    const fields = { template_id: template.id, scenario_ids: scenarioId, count_per_item: '3', name: 'From the form' }
    const preview = await app.request('/generate/preview', form(fields, { cookie: editor }))
    expect(preview.status).toBe(200)
    const previewHtml = await preview.text()
    expect(previewHtml).toContain('id="estimate"')
    expect(previewHtml).toMatch(/<strong>3<\/strong> calls/)
    expect(previewHtml).toContain('Start batch')
    await nothingCreated()

    const bad = await app.request('/generate/preview', form({ ...fields, count_per_item: '0' }, { cookie: editor }))
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain('must be at least 1')

    const start = await app.request('/generate/batches', form(fields, { cookie: editor }))
    expect(start.status).toBe(303)
    const id = start.headers.get('location')!.split('/')[2]!
    const rows = await database.db.selectFrom('conversations').select(['tier', 'scenario_id', 'persona', 'prompt']).where('batch_id', '=', id).execute()
    expect(rows).toHaveLength(3)
    expect(rows.every((r) => r.tier === 'T2' && r.scenario_id === scenarioId && r.persona === 'a student')).toBe(true)
    expect(rows[0]!.prompt).toContain('emotion: angry')
  })

  test('controls refuse a batch in the wrong state with 409', async () => {
    const template = await makeTemplate(app, editor)
    const { id } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    const res = await app.request(`/api/batches/${id}/resume`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(res.status).toBe(409)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/only a paused batch can be resumed/)
    expect((await app.request('/api/batches/00000000-0000-4000-8000-000000000000', { headers: { cookie: editor } })).status).toBe(404)
  })
})

describe('single generation and regeneration', () => {
  test('generating one conversation from the form lands on its page, which shows it when ready', async () => {
    const template = await makeTemplate(app, editor)
    await worker()
    const res = await app.request('/generate/single', form({ template_id: template.id, 'values.topic': 'a lost card' }, { cookie: editor }))
    expect(res.status).toBe(303)
    const location = res.headers.get('location')!
    expect(location).toMatch(/^\/conversations\/[0-9a-f-]{36}\/generation$/)
    const id = location.split('/')[2]!
    await waitFor(
      async () => (await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'pending_review',
    )
    const page = await (await app.request(location, { headers: { cookie: editor } })).text()
    expect(page).toContain('pending_review')
    expect(page).toContain('lost card')
  })

  test("generating one now sends the form's max tokens", async () => {
    const template = await makeTemplate(app, editor)
    await worker()
    const res = await app.request('/generate/single', form({ template_id: template.id, 'values.topic': 'a lost card', max_tokens: '1234' }, { cookie: editor }))
    expect(res.status).toBe(303)
    const id = res.headers.get('location')!.split('/')[2]!
    await waitFor(
      async () => (await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'pending_review',
    )
    const sent = fake.requests.filter((r) => r.path === '/v1/messages').map((r) => (r.body as { max_tokens: number }).max_tokens)
    expect(sent).toEqual([1234])
  })

  test('regenerating keeps the old version; versions can be compared and rolled back', async () => {
    const template = await makeTemplate(app, editor)
    const { id: batch } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    await finished(batch)
    const first = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', batch).executeTakeFirstOrThrow()
    const res = await app.request(
      `/conversations/${first.id}/regenerate`,
      json({ values: { topic: 'mortgage rates' }, model: 'claude-sonnet-4-6' }, { cookie: editor, origin: ORIGIN }),
    )
    expect(res.status).toBe(202)
    const second = await waitFor(async () => {
      const row = await database.db.selectFrom('conversations').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow()
      return row.status === 'pending_review' && row.attempts === 1 && row.model === 'claude-sonnet-4-6' ? row : undefined
    })
    expect(second.prompt).toContain('mortgage rates')
    expect(second.parameters).toEqual({ topic: 'mortgage rates' })
    const versions = await database.db.selectFrom('conversation_versions').selectAll().where('conversation_id', '=', first.id).orderBy('version').execute()
    expect(versions.map((v) => [v.version, v.source])).toEqual([
      [1, 'generated'],
      [2, 'regenerated'],
    ])

    const compare = await app.request(`/conversations/${first.id}/compare?a=1&b=2`, { headers: { cookie: editor } })
    expect(compare.status).toBe(200)
    expect(await compare.text()).toContain('Version 1 and version 2')

    const rollback = await app.request(
      `/conversations/${first.id}/rollback`,
      form({ version: '1', conversation_version: String(second.version) }, { cookie: editor }),
    )
    expect(rollback.status).toBe(303)
    const rolled = await database.db.selectFrom('conversations').selectAll().where('id', '=', first.id).executeTakeFirstOrThrow()
    expect(rolled.turns).toEqual(first.turns)
    const after = await database.db
      .selectFrom('conversation_versions')
      .select(['version', 'source'])
      .where('conversation_id', '=', first.id)
      .orderBy('version')
      .execute()
    expect(after.at(-1)).toEqual({ version: 3, source: 'rollback' })
  })

  const reviewHistory = (id: string) =>
    database.db
      .selectFrom('review_actions')
      .select(['action', 'reviewer_id', 'from_status', 'to_status'])
      .where('conversation_id', '=', id)
      .orderBy('created_at')
      .orderBy('id')
      .execute()

  test('regenerating and rolling back an approved conversation send it back to review, each recorded with who did it', async () => {
    const template = await makeTemplate(app, editor)
    const { id: batch } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    await finished(batch)
    const { id } = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', batch).executeTakeFirstOrThrow()
    expect(
      (await app.request(`/api/conversations/${id}/review`, json({ action: 'approve', version: 2 }, { cookie: adminCookie, origin: ORIGIN }))).status,
    ).toBe(200)
    const me = (await (await app.request('/api/me', { headers: { cookie: editor } })).json()) as { id: string }

    const stale = await app.request(`/conversations/${id}/regenerate`, json({ conversation_version: 2 }, { cookie: editor, origin: ORIGIN }))
    expect(stale.status).toBe(409)
    const regenerate = await app.request(`/conversations/${id}/regenerate`, json({ conversation_version: 3 }, { cookie: editor, origin: ORIGIN }))
    expect(regenerate.status).toBe(202)
    const regenerated = await waitFor(async () => {
      const row = await database.db.selectFrom('conversations').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
      return row.status === 'pending_review' ? row : undefined
    })
    expect(await reviewHistory(id)).toEqual([
      { action: 'approve', reviewer_id: admin.id, from_status: 'pending_review', to_status: 'approved' },
      { action: 'regenerated', reviewer_id: me.id, from_status: 'approved', to_status: 'queued' },
    ])

    expect(
      (await app.request(`/api/conversations/${id}/review`, json({ action: 'approve', version: regenerated.version }, { cookie: adminCookie, origin: ORIGIN })))
        .status,
    ).toBe(200)
    const missing = await app.request(`/conversations/${id}/rollback`, json({ version: 1 }, { cookie: editor, origin: ORIGIN }))
    expect(missing.status).toBe(400)
    const shown = await app.request(
      `/conversations/${id}/rollback`,
      form({ version: '1', conversation_version: String(regenerated.version) }, { cookie: editor, accept: 'application/json' }),
    )
    expect(shown.status).toBe(409)
    expect((await shown.json()).error.message).toContain(`you saw revision ${regenerated.version}, it is now revision ${regenerated.version + 1}`)
    const approved = await database.db.selectFrom('conversations').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()
    expect(approved.status).toBe('approved')
    const versionsBefore = await database.db.selectFrom('conversation_versions').select('version').where('conversation_id', '=', id).execute()

    const page = await (await app.request(`/conversations/${id}/generation`, { headers: { cookie: editor } })).text()
    expect(page).toContain(`name="conversation_version" value="${approved.version}"`)
    const rollback = await app.request(`/conversations/${id}/rollback?version=1`, form({ conversation_version: String(approved.version) }, { cookie: editor }))
    expect(rollback.status).toBe(303)
    expect(await database.db.selectFrom('conversations').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({
      status: 'pending_review',
      version: approved.version + 1,
    })
    expect((await reviewHistory(id)).slice(-2)).toEqual([
      { action: 'approve', reviewer_id: admin.id, from_status: 'pending_review', to_status: 'approved' },
      { action: 'rolled_back', reviewer_id: me.id, from_status: 'approved', to_status: 'pending_review' },
    ])
    const versionsAfter = await database.db.selectFrom('conversation_versions').select('version').where('conversation_id', '=', id).execute()
    expect(versionsAfter).toHaveLength(versionsBefore.length + 1)
  })

  test('regenerating a conversation sent back for changes puts the new text back in the review queue by itself', async () => {
    const template = await makeTemplate(app, editor)
    const { id: batch } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    await worker()
    await finished(batch)
    const { id } = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', batch).executeTakeFirstOrThrow()
    const asked = await app.request(
      `/api/conversations/${id}/review`,
      json({ action: 'request_changes', comment: 'Less formal, please.', version: 2 }, { cookie: adminCookie, origin: ORIGIN }),
    )
    expect(asked.status).toBe(200)
    expect((await app.request(`/conversations/${id}/regenerate`, json({}, { cookie: editor, origin: ORIGIN }))).status).toBe(202)
    await waitFor(
      async () => (await database.db.selectFrom('conversations').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'pending_review',
    )
    expect((await reviewHistory(id)).map((a) => [a.action, a.from_status, a.to_status])).toEqual([
      ['request_changes', 'pending_review', 'needs_revision'],
      ['regenerated', 'needs_revision', 'queued'],
    ])
    const queue = await app.request('/review', { headers: { cookie: adminCookie, accept: 'application/json' } })
    expect(((await queue.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([id])
  })

  test('a conversation still generating cannot be regenerated or rolled back', async () => {
    const template = await makeTemplate(app, editor)
    const { id: batch } = (await (await postBatch({ template_id: template.id, count_per_item: 1 })).json()) as { id: string }
    const row = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', batch).executeTakeFirstOrThrow()
    const res = await app.request(`/conversations/${row.id}/regenerate`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(res.status).toBe(409)
  })
})

describe('AI settings', () => {
  test('anyone signed in reads them; only admins change them, and every change is kept with who made it', async () => {
    const read = await app.request('/api/settings/ai', { headers: { cookie: editor } })
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ model: 'claude-haiku-4-5', requests_per_minute: 100_000 })
    const refused = await app.request('/api/settings/ai', json({ requests_per_minute: 10 }, { cookie: editor, origin: ORIGIN }, 'PUT'))
    expect(refused.status).toBe(403)
    const bad = await app.request('/api/settings/ai', json({ requests_per_minute: -1 }, { cookie: adminCookie, origin: ORIGIN }, 'PUT'))
    expect(bad.status).toBe(400)
    const changed = await app.request(
      '/api/settings/ai',
      json({ requests_per_minute: 10, model: 'claude-sonnet-4-6' }, { cookie: adminCookie, origin: ORIGIN }, 'PUT'),
    )
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ requests_per_minute: 10, model: 'claude-sonnet-4-6', max_concurrency: 10, changed_by: admin.id })
    const page = await (await app.request('/settings/ai', { headers: { cookie: adminCookie } })).text()
    expect(page).toContain(admin.email)
  })

  test('temperature is not offered: the page has no such field, and the API refuses it by name while past settings stay readable', async () => {
    const page = await (await app.request('/settings/ai', { headers: { cookie: adminCookie } })).text()
    expect(page).not.toContain('name="temperature"')
    const read = (await (await app.request('/api/settings/ai', { headers: { cookie: editor } })).json()) as Record<string, unknown>
    expect(read).not.toHaveProperty('temperature')
    const put = await app.request('/api/settings/ai', json({ temperature: 0.5 }, { cookie: adminCookie, origin: ORIGIN }, 'PUT'))
    expect(put.status).toBe(400)
    expect(((await put.json()) as { error: { fields: Record<string, string> } }).error.fields.temperature).toMatch(/not supported/)
    const template = await makeTemplate(app, editor)
    const batch = await postBatch({ template_id: template.id, count_per_item: 1, temperature: 0.2 })
    expect(batch.status).toBe(400)
    expect(((await batch.json()) as { error: { fields: Record<string, string> } }).error.fields.temperature).toMatch(/not supported/)
    await nothingCreated()
    // The first settings row (from before temperature was dropped) keeps its value; new rows have none.
    const rows = await database.db.selectFrom('ai_settings').select('temperature').orderBy('created_at').orderBy('id').execute()
    expect(Number(rows[0]!.temperature)).toBe(0.8)
    expect(rows.at(-1)!.temperature).toBeNull()
  })

  test('the page offers the models the SDK knows with their prices, and the retry budget', async () => {
    const page = await (await app.request('/settings/ai', { headers: { cookie: adminCookie } })).text()
    expect(page).toContain('<select id="f-model" name="model"')
    for (const model of ['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-6']) expect(page).toContain(`<option value="${model}"`)
    expect(page).toContain('id="model-prices"')
    expect(page).toMatch(/<code>claude-haiku-4-5<\/code><\/td><td>\$1<\/td><td>\$5<\/td><td>\$1.25<\/td><td>\$0.1<\/td>/)
    expect(page).toContain('name="retry_budget_minutes"')
    const saved = await app.request('/settings/ai', form({ model: 'claude-sonnet-4-6', retry_budget_minutes: '45' }, { cookie: adminCookie }))
    expect(saved.status).toBe(303)
    expect(await (await app.request('/api/settings/ai', { headers: { cookie: editor } })).json()).toMatchObject({
      model: 'claude-sonnet-4-6',
      retry_budget_minutes: 45,
    })
    expect(fake.requestCount).toBe(0)
  })

  test('a model id the SDK does not know is accepted only after one test call with it succeeds', async () => {
    const put = (body: Record<string, unknown>) => app.request('/api/settings/ai', json(body, { cookie: adminCookie, origin: ORIGIN }, 'PUT'))
    fake.enqueue({ kind: 'model_not_found' })
    const typo = await put({ model: 'claude-haiku-45' })
    expect(typo.status).toBe(400)
    const error = ((await typo.json()) as { error: { fields: Record<string, string> } }).error
    expect(error.fields.model).toMatch(/claude-haiku-45.*test call with it failed/)
    expect((await activeAiSettings(database.db)).model).toBe('claude-haiku-4-5')

    const custom = await put({ model: 'claude-haiku-4-5-20261201' })
    expect(custom.status).toBe(200)
    expect(fake.requests.map((r) => (r.body as { model: string }).model)).toEqual(['claude-haiku-45', 'claude-haiku-4-5-20261201'])

    // The same check guards a batch's own model, and the settings form shows the problem beside the field.
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'model_not_found' })
    const batch = await postBatch({ template_id: template.id, count_per_item: 1, model: 'claude-sonet-4-6' })
    expect(batch.status).toBe(400)
    expect(((await batch.json()) as { error: { fields: Record<string, string> } }).error.fields).toHaveProperty('model')
    await nothingCreated()
    fake.enqueue({ kind: 'model_not_found' })
    const page = await app.request('/settings/ai', form({ model: 'claude-haiku-4-5', model_other: 'claude-nope' }, { cookie: adminCookie }))
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('claude-nope')
  })

  test('without an API key, the simulator answers the test call for another model id', async () => {
    await expect(checkModel(testConfig(database), 'claude-next-1')).resolves.toBeUndefined()
  })
})
