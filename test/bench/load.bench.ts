import autocannon, { type Request } from 'autocannon'
import { createApiToken } from '../../src/auth/tokens'
import { freePort } from '../../src/db/embedded'
import { runNpmStart } from '../helpers/process'
import { benchDatabase, benchUser, heading, percentile, report, seededApp, waitForHealth } from './support'

/**
 * Issue 16's load figure: 50 people at once on 1,000,000 conversations while a batch generates.
 * Each person, on a connection of their own, goes round: the dashboard, a search, a filtered and
 * sorted list, the review queue, then one conversation reviewed as the review screen does it (the
 * screen, its claim, a decision that answers with the next screen). Each makes a request every
 * 500 ms, faster than people work. The server is `npm start` itself (web and worker in one
 * process, its own heap limits) on the seeded database; an autocannon per person drives it from
 * this process. Any error or non-2xx answer fails the bench.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 1_000_000)
const USERS = 50
const RATE = Number(process.env.BENCH_RATE ?? 1) // requests per second per person
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30)
/** The first seconds warm the caches (each search word's first plan, pages not read yet) and are not counted. */
const WARMUP_SECONDS = 5
const SEARCHES = ['refund', 'password reset', 'delayed delivery', 'invoice', 'broken device', 'loyalty points', 'privacy', 'upgrade']

heading(`Load (issue 16): ${USERS} people browsing, searching and reviewing on ${COUNT.toLocaleString('en')} conversations while a batch runs`)
const database = await benchDatabase({ reusable: true })
try {
  await seededApp(database, COUNT)
  const editor = await benchUser(database, 'editor')
  const editorToken = (await createApiToken(database.db, editor.id, { name: 'bench', scope: 'write' })).token
  const tokens: string[] = []
  for (let i = 0; i < USERS; i++) {
    const reviewer = await benchUser(database, 'reviewer')
    tokens.push((await createApiToken(database.db, reviewer.id, { name: 'bench', scope: 'write' })).token)
  }
  // Each review takes a pending conversation no other person has, from the front of the queue (oldest
  // first, the queue's order here) as reviewers work it.
  const pending = (
    await database.pool.query(
      `select id from conversations where status = 'pending_review' and deleted_at is null order by created_at, id limit ${USERS * RATE * SECONDS}`,
    )
  ).rows.map((r) => r.id as string)
  const template = (await database.pool.query('select id from templates order by created_at limit 1')).rows[0].id as string
  const scenarios = (await database.pool.query('select id from scenarios where template_id = $1', [template])).rows.map((r) => r.id as string)

  const port = await freePort()
  const server = runNpmStart([], { DATABASE_URL: database.url, PORT: String(port), LOG_LEVEL: 'warn' })
  try {
    const base = `http://127.0.0.1:${port}`
    await waitForHealth(base)
    const batch = await startBatch(base, editorToken, template, scenarios)
    try {
      const latencies: Record<string, number[]> = {}
      const statuses: Record<number, number> = {}
      let failures = 0
      /** One person: their own autocannon on one connection, going round the studio RATE requests a second. */
      const person = (token: string, search: string) => {
        let id: string | undefined
        let screen = { version: '1', next: '' }
        let lastKind = ''
        const auth = (htmx: boolean) => ({ authorization: `Bearer ${token}`, ...(htmx ? { 'hx-request': 'true' } : {}) })
        const step = (kind: string, build: () => Request, read?: (body: string) => void): Request => ({
          setupRequest: (request) => ({ ...request, ...build() }),
          onResponse: (_status, body) => {
            lastKind = kind // read by the 'response' event that follows at once, which carries the time
            read?.(body)
          },
        })
        const requests = [
          step('dashboard', () => ({ method: 'GET', path: '/', headers: auth(false) })),
          step('search', () => ({ method: 'GET', path: `/?q=${encodeURIComponent(search)}`, headers: auth(true) })),
          step('filtered, sorted list', () => ({ method: 'GET', path: '/?status=pending_review&sort=quality_asc', headers: auth(true) })),
          step('review queue', () => ({ method: 'GET', path: '/review?order=oldest', headers: auth(false) })),
          // As the browser does it: the screen (fetched ahead as the previous one showed), its claim, then
          // the decision, saying which next screen is already shown (Review-Shown, public/review.js).
          step(
            'review screen',
            () => {
              id = pending.shift()
              if (!id) throw new Error('ran out of pending conversations')
              return { method: 'GET', path: `/review/${id}?order=oldest`, headers: auth(true) }
            },
            (body) => {
              screen = {
                version: /data-version="(\d+)"/.exec(body)?.[1] ?? '1',
                next: /<a [^>]*href="\/review\/([0-9a-f-]{36})[^>]*data-prefetch/.exec(body)?.[1] ?? '',
              }
            },
          ),
          step('claim', () => ({ method: 'POST', path: `/review/${id}/claim`, headers: auth(true) })),
          step('decision', () => ({
            method: 'POST',
            path: `/review/${id}?order=oldest`,
            headers: { ...auth(true), 'content-type': 'application/x-www-form-urlencoded', 'review-shown': screen.next },
            body: `action=approve&version=${screen.version}`,
          })),
        ]
        return new Promise<void>((resolve, reject) => {
          const instance = autocannon({ url: base, connections: 1, connectionRate: RATE, duration: SECONDS, requests }, (err, result) => {
            if (err) return reject(err)
            failures += result.errors + result.timeouts + result.non2xx
            resolve()
          })
          instance.on('response', (_client, status, _bytes, ms) => {
            if (performance.now() < measureFrom) return
            const samples = latencies[lastKind] ?? []
            samples.push(ms)
            latencies[lastKind] = samples
            statuses[status] = (statuses[status] ?? 0) + 1
          })
        })
      }
      const before = await batchDone(base, editorToken, batch)
      const measureFrom = performance.now() + WARMUP_SECONDS * 1000
      // People start a fiftieth of a second apart, as people do, rather than all in the same millisecond.
      await Promise.all(
        tokens.map(
          (token, i) =>
            new Promise<void>((resolve, reject) => setTimeout(() => person(token, SEARCHES[i % SEARCHES.length]!).then(resolve, reject), (i * 1000) / USERS)),
        ),
      )
      const after = await batchDone(base, editorToken, batch)

      const all = Object.values(latencies).flat()
      report(`${USERS} people, ${RATE} requests/s each, ${SECONDS - WARMUP_SECONDS} s counted`, Math.round(all.length / (SECONDS - WARMUP_SECONDS)), 'req/s')
      for (const [kind, samples] of Object.entries(latencies)) report(`  ${kind} (${samples.length}), p95`, percentile(samples, 95), 'ms')
      report('  every request, p50', percentile(all, 50), 'ms')
      report('  every request, p99 / max', percentile(all, 99), `/ ${Math.max(...all).toFixed(0)} ms`)
      report('  conversations the batch generated meanwhile', after - before, '')
      report('  errors, timeouts and non-2xx answers', failures, '', '0')
      report('every request, p95', percentile(all, 95), 'ms', '≤ 50 ms')
      if (failures > 0) throw new Error(`${failures} requests failed (status codes: ${JSON.stringify(statuses)})`)
      if (after <= before) throw new Error('the batch generated nothing during the run')
    } finally {
      // Cancelled, then removed with what it made, so that a kept database does not gather a few hundred
      // unfinished conversations at the top of every list with each run.
      await fetch(`${base}/api/batches/${batch}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${editorToken}` } })
      await database.db.deleteFrom('conversations').where('batch_id', '=', batch).execute()
      await database.db.deleteFrom('batches').where('id', '=', batch).execute()
    }
  } finally {
    server.child.pid && process.kill(-server.child.pid, 'SIGTERM')
    await server.exited
  }
} finally {
  await database.close()
}

/** A batch big enough to outlast the run, started through the API as a script would. */
async function startBatch(base: string, token: string, templateId: string, scenarioIds: string[]): Promise<string> {
  const res = await fetch(`${base}/api/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ template_id: templateId, scenario_ids: scenarioIds, count_per_item: 100, name: 'load bench' }),
  })
  if (res.status !== 201) throw new Error(`batch refused: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { id: string }).id
}

async function batchDone(base: string, token: string, id: string): Promise<number> {
  const res = await fetch(`${base}/api/batches/${id}`, { headers: { authorization: `Bearer ${token}` } })
  return ((await res.json()) as { counts: { done: number } }).counts.done
}
