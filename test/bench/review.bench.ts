import { createApiToken } from '../../src/auth/tokens'
import { startServer } from '../../src/server'
import { launchBrowser, signInAs } from '../helpers/browser'
import { benchDatabase, benchUser, type CapturedQuery, explainQuery, heading, percentile, report, seededApp, timeMany } from './support'

/**
 * Issue 5's review figures on 100,000 seeded conversations (~35% pending review; issue 16 asks the
 * same at BENCH_CONVERSATIONS=1000000, on a kept database with BENCH_DATABASE_URL): server time
 * (app.request on the real database, HTML rendered) p95 for review "next" and for a review action,
 * then keypress-to-next-conversation-painted in real Chromium, then an EXPLAIN ANALYZE line for the
 * slowest queue query, so a regression names the index it lost.
 */
const COUNT = Number(process.env.BENCH_CONVERSATIONS ?? 100_000)
const RUNS = 50

heading(`Review (issue 5) on ${COUNT.toLocaleString('en')} conversations`)
const database = await benchDatabase({ reusable: true })
try {
  const { app, recorder } = await seededApp(database, COUNT)
  const reviewer = await benchUser(database, 'reviewer')
  const { token } = await createApiToken(database.db, reviewer.id, { name: 'bench', scope: 'write' })
  const auth = { authorization: `Bearer ${token}` }
  const htmx = { ...auth, 'hx-request': 'true' }
  const templateId = (await database.pool.query('select id from templates order by id limit 1')).rows[0].id as string

  /** Pending conversations in the given order, to act on one after another (at the version a reviewer would see). */
  const pendingIds = async (order: string, n: number) =>
    (
      await database.pool.query(`select id, version from conversations where status = 'pending_review' and deleted_at is null order by ${order} limit ${n}`)
    ).rows.map((r) => ({ id: r.id as string, version: String(r.version) }))

  let slowest: { label: string; p95: number; queries: CapturedQuery[] } = { label: '', p95: -1, queries: [] }
  async function measure(label: string, target: string, request: (i: number) => Response | Promise<Response>, expected: number): Promise<void> {
    let worst: { ms: number; queries: CapturedQuery[] } = { ms: -1, queries: [] }
    let n = 0 // warm-up runs count too: each run acts on its own conversation
    const samples = await timeMany(RUNS, async () => {
      recorder.queries = []
      const t0 = performance.now()
      const res = await request(n++)
      await res.text()
      const ms = performance.now() - t0
      if (res.status !== expected) throw new Error(`${label} answered ${res.status}`)
      if (ms > worst.ms) worst = { ms, queries: recorder.queries }
    })
    const p95 = percentile(samples, 95)
    report(label, p95, 'ms p95', target)
    report('  (median)', percentile(samples, 50), 'ms')
    if (p95 > slowest.p95) slowest = { label, p95, queries: worst.queries }
  }

  heading('Review "next" (server time)')
  for (const order of ['oldest', 'lowest', 'highest']) {
    await measure(`GET /review/next?order=${order} (find the next, 303)`, '< 30 ms', () => app.request(`/review/next?order=${order}`, { headers: auth }), 303)
  }
  await measure(
    'GET /review/next, template + tier + quality ≥ 7 filters',
    '< 30 ms',
    () => app.request(`/review/next?order=lowest&template_id=${templateId}&tier=T2&quality_min=7`, { headers: auth }),
    303,
  )
  const browse = await pendingIds('created_at, id', RUNS + 20)
  await measure(
    'n/j: GET /review/:id screen fragment (htmx, with neighbours)',
    '< 30 ms',
    (i) => app.request(`/review/${browse[i + 10]!.id}?order=oldest`, { headers: htmx }),
    200,
  )

  heading('A review action (server time)')
  const toApprove = await pendingIds('created_at desc, id desc', RUNS + 10)
  await measure(
    'POST /api/conversations/:id/review approve (JSON)',
    '< 30 ms',
    (i) =>
      app.request(`/api/conversations/${toApprove[i]!.id}/review`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'approve', version: Number(toApprove[i]!.version) }),
      }),
    200,
  )
  const toReject = await pendingIds('coalesce(quality_score, -1), id', RUNS + 10)
  await measure(
    'POST /review/:id reject + reasons (htmx: decision and next screen)',
    '< 30 ms',
    (i) =>
      app.request(`/review/${toReject[i]!.id}?order=lowest`, {
        method: 'POST',
        headers: { ...htmx, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([
          ['action', 'reject'],
          ['version', toReject[i]!.version],
          ['reasons', 'off_topic'],
          ['reasons', 'too_short'],
        ]).toString(),
      }),
    200,
  )

  heading('Keypress to next conversation painted (real Chromium, localhost)')
  const web = await startServer(app, '127.0.0.1', 0)
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage()
    await signInAs(page, web.url, reviewer)
    await page.goto(`${web.url}/review/next?order=oldest`)
    await page.waitForSelector('#review-screen[data-conversation-id]')
    const presses = async (key: string, n: number) => {
      const samples: number[] = []
      for (let i = 0; i < n; i++) {
        const before = await page.evaluate(() => {
          const screen = document.querySelector<HTMLElement>('#review-screen')!
          const w = window as unknown as { paintedAt?: number; keyAt?: number }
          w.paintedAt = undefined
          w.keyAt = undefined
          document.addEventListener('keydown', () => (w.keyAt = performance.now()), { once: true, capture: true })
          const id = screen.dataset.conversationId
          const observer = new MutationObserver(() => {
            if (document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId === id) return
            observer.disconnect()
            // The next animation frame is the one that paints the new screen: the time its callbacks
            // run (the frame's own timestamp can be older than the key press itself).
            requestAnimationFrame(() => (w.paintedAt = performance.now()))
          })
          observer.observe(document.querySelector('main')!, { childList: true, subtree: true })
          return id
        })
        await page.keyboard.press(key)
        const ms = await page.waitForFunction(() => {
          const w = window as unknown as { paintedAt?: number; keyAt?: number }
          return w.paintedAt !== undefined && w.keyAt !== undefined && w.paintedAt - w.keyAt
        })
        samples.push((await ms.jsonValue()) as number)
        if ((await page.evaluate(() => document.querySelector<HTMLElement>('#review-screen')?.dataset.conversationId)) === before)
          throw new Error('no next conversation')
        await page.waitForTimeout(30) // a person reads between keys; lets the prefetch of the next screen start
      }
      return samples
    }
    await presses('n', 5) // warm-up
    const approvals = async () =>
      Number((await database.pool.query(`select count(*) from review_actions where reviewer_id = $1 and action = 'approve'`, [reviewer.id])).rows[0].count)
    const before = await approvals()
    const approve = await presses('a', RUNS)
    // The next screen shows before the decision is answered (public/review.js): each must still land.
    await page.waitForLoadState('networkidle')
    if ((await approvals()) - before !== RUNS) throw new Error(`${RUNS} approvals pressed, ${(await approvals()) - before} recorded`)
    report("press 'a' → next conversation painted", percentile(approve, 95), 'ms p95', '≤ 50 ms at 1,000,000')
    report("press 'a' → next conversation painted (median)", percentile(approve, 50), 'ms')
    const next = await presses('n', RUNS)
    report("press 'n' → next conversation painted (prefetched)", percentile(next, 95), 'ms p95', '≤ 50 ms at 1,000,000')
  } finally {
    await browser.close()
    await web.close()
  }

  heading('EXPLAIN ANALYZE of the slowest queue query (from the slowest request above)')
  const queue = slowest.queries.filter((q) => /^select .* from "conversations" .* limit/is.test(q.query.sql)).sort((a, b) => b.ms - a.ms)[0]
  if (queue) {
    console.log(`  ${slowest.label}:\n    ${await explainQuery(database, queue, 2)}`)
  }
} finally {
  await database.close()
}
