import { type ChildProcess, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'kysely'
import { createApp } from '../../src/app'
import { createApiToken } from '../../src/auth/tokens'
import { insertUser } from '../../src/auth/users'
import { type Claude, createClaude } from '../../src/claude/client'
import { loadConfig } from '../../src/config'
import { connect } from '../../src/db/connect'
import { freePort } from '../../src/db/embedded'
import type { Deps } from '../../src/deps'
import { seedDocuments } from '../../src/documents/seed'
import { changeAiSettings } from '../../src/generation/ai-settings'
import { generateConversation } from '../../src/generation/generate'
import { progressNotice } from '../../src/generation/progress-channel'
import { progressHub } from '../../src/generation/progress-hub'
import { createLogger } from '../../src/log'
import { startServer } from '../../src/server'
import { insertTemplate } from '../../src/templates/queries'
import { startWorker } from '../../src/worker/runner'
import { type AppProcess, runApp } from '../helpers/process'
import { benchDatabase, heading, percentile, report } from './support'

/**
 * Issue 4's generation figures, against the fake Messages API running in its own process:
 * enqueue 10,000; pipeline overhead and throughput with rate limiting off; the achieved rate with
 * 2 worker processes; SSE progress latency.
 */
const RATE_WINDOW_S = Number(process.env.BENCH_RATE_SECONDS ?? 60)
const RATE_PER_MIN = Number(process.env.BENCH_RATE_PER_MIN ?? 600)

heading('Generation (issue 4)')
const database = await benchDatabase()
const fakePort = await freePort()
const fake = spawn(process.execPath, ['--import', 'tsx', 'test/fake-anthropic/server.ts', '--port', String(fakePort)], { stdio: ['ignore', 'pipe', 'inherit'] })
const fakeUrl = `http://127.0.0.1:${fakePort}`
const children: Array<ChildProcess | AppProcess['child']> = [fake]
try {
  await waitForUrl(`${fakeUrl}/_fake/requests`)
  const env = {
    DATABASE_URL: database.url,
    ANTHROPIC_API_KEY: 'sk-bench',
    ANTHROPIC_BASE_URL: fakeUrl,
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: process.env.BENCH_WORKER_CONCURRENCY ?? '48',
  }
  const config = loadConfig(env)
  const deps: Deps = { db: database.db, config, log: createLogger('silent'), pool: database.pool }
  const app = createApp(deps)
  const user = (await insertUser(database.db, { email: 'bench@example.com', password: 'bench password', role: 'admin' }))!
  const { token } = await createApiToken(database.db, user.id, { name: 'bench', scope: 'write' })
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' }
  const template = await insertTemplate(
    database.db,
    {
      name: 'Bench support chat',
      description: '',
      category: '',
      target_tier: 'T1',
      system_prompt: 'You write realistic customer support conversations for a bank.',
      prompt: 'A customer asks about {{topic}} and the assistant helps them.',
      parameters: [{ name: 'topic', type: 'string', required: true, default: 'a delayed refund' }],
      min_turns: 4,
      max_turns: 8,
      quality_threshold: 6,
      notes: '',
    },
    user.id,
  )
  const rateOff = { requests_per_minute: 1_000_000, max_concurrency: 1_000, max_batch_size: 20_000 }
  await changeAiSettings(database.db, user.id, rateOff)
  const postBatch = async (count: number, more: Record<string, unknown> = {}) => {
    const res = await app.request('/api/batches', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ template_id: template.id, count_per_item: count, ...more }),
    })
    if (res.status !== 201) throw new Error(`batch: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { id: string }).id
  }
  const batchStatus = async (id: string) => (await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status

  // 1. Enqueue 10,000: POST to committed (the response comes after the commit).
  const enqueueMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    const id = await postBatch(10_000)
    enqueueMs.push(performance.now() - t0)
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'generate_conversation'`.execute(
      database.db,
    )
    if (rows[0]!.n !== 10_000) throw new Error(`expected 10,000 jobs, found ${rows[0]!.n}`)
    await sql`update batches set status = 'cancelled' where id = ${id}::uuid`.execute(database.db)
    await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  }
  report('enqueue a 10,000-conversation batch (POST → committed, median of 3)', percentile(enqueueMs, 50), 'ms', '< 3000 ms')

  // 1b. The same from 100 chunks × 100 each: every row carries its chunk's context.
  await seedDocuments(database.db, { count: 2 })
  const chunkIds = (await database.db.selectFrom('chunks').select('id').orderBy('id').limit(100).execute()).map((r) => r.id)
  const groundedMs: number[] = []
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now()
    const id = await postBatch(100, { chunk_ids: chunkIds })
    groundedMs.push(performance.now() - t0)
    await sql`update batches set status = 'cancelled' where id = ${id}::uuid`.execute(database.db)
    await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  }
  report('enqueue a grounded 10,000-conversation batch (100 chunks × 100, median of 3)', percentile(groundedMs, 50), 'ms', '< 3000 ms')

  // 2. Pipeline overhead: one conversation at a time, the fake answering instantly; app time is
  // the whole generation minus the time inside the Claude call.
  const inner = createClaude({ apiKey: 'sk-bench', baseURL: fakeUrl, maxRetries: 0 })
  let callMs = 0
  const timed: Claude = {
    ...inner,
    createMessage: async (params, options) => {
      const t0 = performance.now()
      try {
        return await inner.createMessage(params, options)
      } finally {
        callMs += performance.now() - t0
      }
    },
  }
  const overheadBatch = await postBatch(300)
  await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  const ids = (await database.db.selectFrom('conversations').select('id').where('batch_id', '=', overheadBatch).execute()).map((r) => r.id)
  const overhead: number[] = []
  for (const [i, id] of ids.entries()) {
    callMs = 0
    const t0 = performance.now()
    await generateConversation({ db: database.db, log: deps.log, claude: timed }, id, { attempts: 1, maxAttempts: 4 })
    if (i >= 20) overhead.push(performance.now() - t0 - callMs)
  }
  report('pipeline overhead per conversation, app time (p50)', percentile(overhead, 50), 'ms', '< 15 ms')
  report('pipeline overhead per conversation, app time (p95)', percentile(overhead, 95), 'ms')

  // 3. Throughput with rate limiting off: the real worker (graphile-worker) in this process.
  const THROUGHPUT_N = 3_000
  const throughputBatch = await postBatch(THROUGHPUT_N)
  // A pool sized as `npm start` sizes it (concurrency + 10), not the bench helper's 20.
  const workerDb = connect(database.url, deps.log, config.workerConcurrency + 10)
  const t0 = performance.now()
  const worker = await startWorker({ ...deps, db: workerDb.db, pool: workerDb.pool }, workerDb.pool)
  while ((await batchStatus(throughputBatch)) !== 'done') await sleep(20)
  const seconds = (performance.now() - t0) / 1000
  await worker.stop()
  await workerDb.db.destroy()
  report(`end-to-end throughput, ${THROUGHPUT_N} conversations, rate limiting off`, THROUGHPUT_N / seconds, 'conv/s', '≥ 300 conv/s')

  // 4. The achieved rate with 2 worker processes sharing the limit.
  await changeAiSettings(database.db, user.id, { requests_per_minute: RATE_PER_MIN, max_concurrency: 20 })
  await fetch(`${fakeUrl}/_fake/reset`, { method: 'POST' })
  await fetch(`${fakeUrl}/_fake/latency`, { method: 'POST', body: JSON.stringify({ delayMs: 200 }) })
  const rateBatch = await postBatch(Math.ceil((RATE_PER_MIN * RATE_WINDOW_S) / 60) * 2 + 20)
  const workers = [runApp(['start', '--role=worker'], env), runApp(['start', '--role=worker'], env)]
  children.push(...workers.map((w) => w.child))
  const requests = async () => ((await (await fetch(`${fakeUrl}/_fake/requests`)).json()) as { count: number }).count
  while ((await requests()) < 3) await sleep(20)
  const c0 = await requests()
  const r0 = performance.now()
  await sleep(RATE_WINDOW_S * 1000)
  const c1 = await requests()
  const window = (performance.now() - r0) / 1000
  const achieved = ((c1 - c0) / window) * 60
  console.log(
    `  (a window of ${RATE_WINDOW_S} s with R = ${RATE_PER_MIN}/min: ${c1 - c0} requests, at most ${Math.ceil((RATE_PER_MIN * RATE_WINDOW_S) / 60)} allowed)`,
  )
  report(`configured rate R (2 worker processes)`, RATE_PER_MIN, 'req/min')
  report(`achieved rate`, achieved, 'req/min', `95–100% of R: ${((achieved / RATE_PER_MIN) * 100).toFixed(1)}%`)
  for (const w of workers) w.child.kill('SIGTERM')
  await Promise.all(workers.map((w) => w.exited))
  await sql`update batches set status = 'cancelled' where id = ${rateBatch}::uuid`.execute(database.db)
  await sql`truncate graphile_worker._private_jobs`.execute(database.db)

  // 5. SSE latency: a conversation's result committed with its pg_notify → the event received by
  // an HTTP client of the real server.
  const web = await startServer(app, '127.0.0.1', 0)
  const sseBatch = await postBatch(220)
  await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  const sseIds = (await database.db.selectFrom('conversations').select('id').where('batch_id', '=', sseBatch).execute()).map((r) => r.id)
  const res = await fetch(`${web.url}/batches/${sseBatch}/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } })
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  const nextDone = async (done: number) => {
    for (;;) {
      const match = buffer.match(/data-count="done">([\d,]+)</g)
      if (match?.some((m) => Number(m.replace(/\D/g, '')) >= done)) {
        buffer = ''
        return performance.now()
      }
      const { value } = await reader.read()
      buffer += value ?? ''
    }
  }
  await nextDone(0)
  const latencies: number[] = []
  for (const [i, id] of sseIds.entries()) {
    const t = performance.now()
    await sql`with done as (update conversations set status = 'pending_review', updated_at = now() where id = ${id}::uuid returning id, batch_id)
      select ${progressNotice(sql`json_build_object('batch_id', batch_id, 'conversation_id', id, 'status', 'pending_review')`)} from done`.execute(database.db)
    const received = await nextDone(i + 1)
    if (i >= 20) latencies.push(received - t)
  }
  await reader.cancel()
  await progressHub(database.pool, deps.log).close()
  await web.close()
  report('progress latency, result committed → SSE event received (p50)', percentile(latencies, 50), 'ms')
  report('progress latency, result committed → SSE event received (p95)', percentile(latencies, 95), 'ms', '< 100 ms')
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await database.close()
}

async function waitForUrl(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(50)
  }
  throw new Error(`${url} did not answer`)
}
