import { beforeEach, describe, expect, test } from 'vitest'
import { dayIn } from '../src/days'
import type { ConversationStatus } from '../src/db/schema'
import { type App, json, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { insertConversations, makeReviewSource, type ReviewSource } from './helpers/review'

let database: TestDatabase
let app: App
let editor: TestUser
let cookie: string
let source: ReviewSource

useApp('editor', (t) => ({ database, app, user: editor, cookie } = t))
beforeEach(async () => {
  source = await makeReviewSource(database.db)
})

const db = () => database.db
const DAY = 86_400_000
/** Noon UTC `n` days ago: well inside that day whatever the hour the test runs. */
const daysAgo = (n: number) => new Date(Date.parse(`${dayIn('UTC', new Date(Date.now() - n * DAY))}T12:00:00Z`))
const getJson = async (url: string, who = cookie) => {
  const res = await app.request(url, { headers: { cookie: who, accept: 'application/json' } })
  return { status: res.status, body: await res.json() }
}
const getHtml = async (url: string, who = cookie, headers: Record<string, string> = {}) => {
  const res = await app.request(url, { headers: { cookie: who, ...headers } })
  return { status: res.status, html: await res.text() }
}

/** A decision as the review screen records it, at a chosen time. */
async function decide(conversationId: string, to: ConversationStatus, at: Date, reviewerId: string | null, reasons: string[] = []) {
  const action = { approved: 'approve', rejected: 'reject', needs_revision: 'request_changes' }[to as 'approved'] as 'approve'
  await db()
    .insertInto('review_actions')
    .values({ conversation_id: conversationId, reviewer_id: reviewerId, action, from_status: 'pending_review', to_status: to, reasons, created_at: at })
    .execute()
  await db().updateTable('conversations').set({ status: to }).where('id', '=', conversationId).execute()
}

describe('the quality page charts', () => {
  test('count decisions, approval rate and quality by day, reasons, templates and reviewers for the last 30 days by default', async () => {
    const alice = await makeUser(database, 'reviewer')
    const bob = await makeUser(database, 'reviewer')
    const [a, b, c, old] = await insertConversations(db(), source, [8, 6, 3, 9])
    await decide(a!, 'approved', daysAgo(3), alice.id)
    await decide(b!, 'approved', daysAgo(3), alice.id)
    await decide(c!, 'rejected', daysAgo(3), bob.id, ['too_short', 'off_topic'])
    await decide(old!, 'approved', daysAgo(40), alice.id)

    const { status, body } = await getJson('/review/quality')
    expect(status).toBe(200)
    const charts = body.charts
    expect(charts.to).toBe(dayIn('UTC', new Date()))
    expect(charts.daily).toHaveLength(30)
    expect(charts.from).toBe(charts.daily[0].day)
    const day = charts.daily.find((d: { day: string }) => d.day === dayIn('UTC', daysAgo(3)))
    expect(day).toMatchObject({ decided: 3, approved: 2, rejected: 1, approval_rate: 2 / 3, avg_quality: 5.67 })
    expect(charts.daily.reduce((n: number, d: { decided: number }) => n + d.decided, 0)).toBe(3)
    expect(charts.reasons).toEqual([
      { reason: 'off_topic', count: 1 },
      { reason: 'too_short', count: 1 },
    ])
    expect(charts.templates).toEqual([expect.objectContaining({ template_name: 'Support chats', decided: 3, approved: 2 })])
    expect(charts.reviewers.map((r: { reviewer_id: string; decided: number; approved: number }) => [r.reviewer_id, r.decided, r.approved])).toEqual([
      [alice.id, 2, 2],
      [bob.id, 1, 0],
    ])

    // The page draws each chart from JSON, with the same numbers in a table beside it.
    const { html } = await getHtml('/review/quality')
    for (const id of ['chart-quality-daily', 'chart-rejection-reasons', 'chart-template-quality', 'chart-reviewer-quality']) {
      expect(html).toContain(`id="${id}"`)
    }
    expect(html).toContain('<script type="application/json" class="chart-data">')
    expect(html).toContain('<canvas role="img" aria-label="Approval rate and average quality score')
    expect(html).toContain('src="/vendor/chart.umd.min.js"')
    expect(html).toMatch(
      new RegExp(
        `<th scope="row">${dayIn('UTC', daysAgo(3))}</th><td data-series="Approval rate">66.7%</td><td data-series="Average quality">5.67</td><td data-series="Decisions">3</td>`,
      ),
    )
    expect(html).toMatch(/<th scope="row">Too short<\/th><td data-series="Rejections">1<\/td>/)
  })

  test('follow the chosen date range and template', async () => {
    const other = await makeReviewSource(db(), 'Other template')
    const [a, old] = await insertConversations(db(), source, [8, 9])
    const [elsewhere] = await insertConversations(db(), other, [4])
    await decide(a!, 'approved', daysAgo(3), editor.id)
    await decide(old!, 'rejected', daysAgo(40), editor.id, ['repetitive'])
    await decide(elsewhere!, 'rejected', daysAgo(40), editor.id, ['too_short'])
    const from = dayIn('UTC', daysAgo(45))
    const to = dayIn('UTC', daysAgo(35))
    const { body } = await getJson(`/review/quality?from=${from}&to=${to}`)
    expect(body.charts).toMatchObject({ from, to })
    expect(body.charts.daily).toHaveLength(11)
    expect(body.charts.daily.find((d: { day: string }) => d.day === dayIn('UTC', daysAgo(40)))).toMatchObject({ decided: 2, approved: 0, approval_rate: 0 })
    expect(body.charts.reasons.map((r: { reason: string }) => r.reason).sort()).toEqual(['repetitive', 'too_short'])

    const focused = await getJson(`/review/quality?from=${from}&to=${to}&template_id=${source.templateId}`)
    expect(focused.body.charts.reasons).toEqual([{ reason: 'repetitive', count: 1 }])
    expect(focused.body.charts.templates.map((t: { template_name: string }) => t.template_name)).toEqual(['Support chats'])
    // The form keeps the range and the template.
    const { html } = await getHtml(`/review/quality?from=${from}&to=${to}&template_id=${source.templateId}`)
    expect(html).toContain(`name="from" value="${from}"`)
    expect(html).toContain(`name="template_id" value="${source.templateId}"`)
  })

  test('refuse a malformed or upside-down range with a 400 naming the field', async () => {
    for (const [query, field] of [
      ['from=2026-13-01', 'from'],
      ['to=yesterday', 'to'],
      ['from=2026-11-20&to=2026-11-10', 'to'],
      ['from=2020-01-01&to=2026-11-10', 'from'],
    ] as const) {
      const { status, body } = await getJson(`/review/quality?${query}`)
      expect(status, query).toBe(400)
      expect(Object.keys(body.error.fields), query).toEqual([field])
    }
    const page = await getHtml('/review/quality?from=2026-02-30')
    expect(page.status).toBe(400)
    expect(page.html).toContain('from')
  })

  test('say so, without a chart, when the range has no decisions', async () => {
    const { html } = await getHtml('/review/quality')
    expect(html).toContain('No decisions in this range.')
    expect(html).not.toContain('<canvas')
  })
})

describe('the dashboard chart', () => {
  async function spend(ids: string[], at: Date, cost: number) {
    await db().updateTable('conversations').set({ created_at: at, cost_usd: cost }).where('id', 'in', ids).execute()
  }

  test('counts conversations and spend per day for the filter, the last 30 days by default', async () => {
    const ids = await insertConversations(db(), source, [8, 7, 6, 5])
    await spend(ids.slice(0, 2), daysAgo(2), 0.25)
    await spend(ids.slice(2, 3), daysAgo(5), 1.5)
    await spend(ids.slice(3), daysAgo(60), 9)
    await db().updateTable('conversations').set({ status: 'approved' }).where('id', '=', ids[0]!).execute()

    const { status, body } = await getJson('/conversations/daily')
    expect(status).toBe(200)
    expect(body.days).toHaveLength(30)
    const on = (n: number) => body.days.find((d: { day: string }) => d.day === dayIn('UTC', daysAgo(n)))
    expect(on(2)).toEqual({ day: dayIn('UTC', daysAgo(2)), conversations: 2, cost_usd: 0.5 })
    expect(on(5)).toEqual({ day: dayIn('UTC', daysAgo(5)), conversations: 1, cost_usd: 1.5 })
    expect(body.days.reduce((n: number, d: { conversations: number }) => n + d.conversations, 0)).toBe(3)

    // The dashboard's own filter narrows it, and its created dates set the range.
    const approved = await getJson('/conversations/daily?status=approved')
    expect(approved.body.days.reduce((n: number, d: { conversations: number }) => n + d.conversations, 0)).toBe(1)
    const ranged = await getJson(`/conversations/daily?created_from=${dayIn('UTC', daysAgo(61))}&created_to=${dayIn('UTC', daysAgo(59))}`)
    expect(ranged.body.days).toEqual([
      { day: dayIn('UTC', daysAgo(61)), conversations: 0, cost_usd: 0 },
      { day: dayIn('UTC', daysAgo(60)), conversations: 1, cost_usd: 9 },
      { day: dayIn('UTC', daysAgo(59)), conversations: 0, cost_usd: 0 },
    ])

    // The dashboard loads it like the summary; the fragment has the chart and its table.
    const dashboard = await getHtml('/')
    expect(dashboard.html).toContain('hx-get="/conversations/daily"')
    const fragment = await getHtml('/conversations/daily', cookie, { 'hx-request': 'true' })
    expect(fragment.html).toContain('id="chart-daily-activity"')
    expect(fragment.html).toContain(`<th scope="row">${dayIn('UTC', daysAgo(5))}</th><td data-series="Conversations">1</td><td data-series="Spend">$1.50</td>`)
    expect(fragment.html).not.toContain('<html')
    expect((await getHtml('/conversations/daily?created_from=someday')).status).toBe(400)
  })
})

describe("days in the user's time zone", () => {
  const setZone = (zone: string) => app.request('/api/me/preferences', json({ timezone: zone }, { cookie }, 'PUT'))
  const dayCounts = (days: Array<{ day: string; conversations: number }>) => days.map((d) => [d.day, d.conversations])
  const listed = async (query: string) => (await getJson(`/api/conversations?${query}`)).body.items.map((i: { id: string }) => i.id)

  test('a chart counts, and a filter matches, the days of the zone the user chose', async () => {
    // 20:00 UTC on 9 March is 05:00 on 10 March in Tokyo.
    const [late] = await insertConversations(db(), source, [8])
    const at = new Date('2026-03-09T20:00:00Z')
    await db().updateTable('conversations').set({ created_at: at, cost_usd: 0.5 }).where('id', '=', late!).execute()
    await decide(late!, 'approved', at, editor.id)
    const range = 'from=2026-03-09&to=2026-03-10'
    const days = 'created_from=2026-03-09&created_to=2026-03-10'

    expect(dayCounts((await getJson(`/conversations/daily?${days}`)).body.days)).toEqual([
      ['2026-03-09', 1],
      ['2026-03-10', 0],
    ])
    expect(await listed('created_from=2026-03-10')).toEqual([])
    expect((await setZone('Asia/Tokyo')).status).toBe(200)
    expect(dayCounts((await getJson(`/conversations/daily?${days}`)).body.days)).toEqual([
      ['2026-03-09', 0],
      ['2026-03-10', 1],
    ])
    const quality = (await getJson(`/review/quality?${range}`)).body.charts.daily
    expect(quality.map((d: { day: string; decided: number }) => [d.day, d.decided])).toEqual([
      ['2026-03-09', 0],
      ['2026-03-10', 1],
    ])
    expect(await listed('created_from=2026-03-10')).toEqual([late])
    expect(await listed('created_to=2026-03-09')).toEqual([])
    // A filter may name its own zone, and a link keeps the one it was read in.
    expect(await listed('created_from=2026-03-10&timezone=UTC')).toEqual([])
    expect((await getHtml('/?created_from=2026-03-10')).html).toContain('timezone=Asia%2FTokyo')
    expect((await getJson('/api/conversations?timezone=Mars/Olympus')).status).toBe(400)
  })

  test('a day the clocks change is one day of 25 hours, not two days or a shifted one', async () => {
    // New York leaves summer time at 06:00 UTC on 1 November 2026.
    const ids = await insertConversations(db(), source, [8, 7, 6, 5])
    const times = ['2026-11-01T04:30:00Z', '2026-11-02T04:30:00Z', '2026-11-02T05:30:00Z', '2026-10-31T03:59:00Z']
    for (const [i, t] of times.entries())
      await db()
        .updateTable('conversations')
        .set({ created_at: new Date(t) })
        .where('id', '=', ids[i]!)
        .execute()
    await setZone('America/New_York')
    const { body } = await getJson('/conversations/daily?created_from=2026-10-30&created_to=2026-11-02')
    expect(dayCounts(body.days)).toEqual([
      ['2026-10-30', 1],
      ['2026-10-31', 0],
      ['2026-11-01', 2],
      ['2026-11-02', 1],
    ])
  })
})

describe('the batch throughput chart', () => {
  test('counts conversations finished per minute since the batch started', async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000)
    await db()
      .updateTable('batches')
      .set({ created_at: start, status: 'done', finished_at: new Date(start.getTime() + 4 * 60_000) })
      .execute()
    const ids = await insertConversations(db(), source, [8, 7, 6, 5])
    // Three generated (two in the first minute, one in the third), one failed in the third.
    const minute = (n: number) => new Date(start.getTime() + n * 60_000 + 5_000)
    for (const [i, n] of [
      [0, 0],
      [1, 0],
      [2, 2],
    ] as const) {
      await db()
        .insertInto('conversation_versions')
        .values({ conversation_id: ids[i]!, version: 1, source: 'generated', turns: '[]', created_at: minute(n) })
        .execute()
    }
    // A review later must not move when it finished.
    await db().updateTable('conversations').set({ updated_at: new Date() }).where('id', 'in', ids.slice(0, 3)).execute()
    await db()
      .updateTable('conversations')
      .set({ status: 'failed', updated_at: minute(2) })
      .where('id', '=', ids[3]!)
      .execute()

    const { status, body } = await getJson(`/batches/${source.batchId}/throughput`)
    expect(status).toBe(200)
    expect(body.bucket_minutes).toBe(1)
    expect(body.points.map((p: { generated: number; failed: number; per_minute: number }) => [p.generated, p.failed, p.per_minute])).toEqual([
      [2, 0, 2],
      [0, 0, 0],
      [1, 1, 2],
      [0, 0, 0],
      [0, 0, 0],
    ])

    const page = await getHtml(`/batches/${source.batchId}`)
    expect(page.html).toContain('id="chart-batch-throughput"')
    expect(page.html).toContain('<td data-series="Finished per minute">2.0 / min</td><td data-series="Generated">1</td><td data-series="Failed">1</td>')
    // A finished batch is not polled; a running one is.
    expect(page.html).not.toContain(`hx-get="/batches/${source.batchId}/throughput"`)
    await db().updateTable('batches').set({ status: 'running', finished_at: null }).execute()
    const running = await getHtml(`/batches/${source.batchId}/throughput`, cookie, { 'hx-request': 'true' })
    expect(running.html).toContain(`hx-get="/batches/${source.batchId}/throughput"`)
    expect(running.html).toContain('hx-trigger="every 15s"')
    expect((await getHtml('/batches/00000000-0000-0000-0000-000000000000/throughput')).status).toBe(404)
  })
})

describe('the coverage page', () => {
  async function cell(persona: string, emotion: string, topic: string, n: number, status: ConversationStatus = 'pending_review') {
    const ids = await insertConversations(db(), source, Array(n).fill(7), { status })
    await db().updateTable('conversations').set({ persona, emotion, topic }).where('id', 'in', ids).execute()
  }

  test('counts persona × emotion for each topic, with empty cells linking editors to a pre-filled generate page', async () => {
    await cell('parent', 'calm', 'refund', 3)
    await cell('parent', 'angry', 'refund', 1)
    await cell('student', 'calm', 'billing', 2)
    await cell('student', 'angry', 'billing', 5, 'cancelled')

    const all = await getJson('/coverage')
    expect(all.status).toBe(200)
    expect(all.body).toMatchObject({
      personas: ['parent', 'student'],
      emotions: ['angry', 'calm'],
      topics: [
        { topic: 'billing', count: 2 },
        { topic: 'refund', count: 4 },
      ],
      topic: null,
      counts: { parent: { angry: 1, calm: 3 }, student: { angry: 0, calm: 2 } },
      total: 6,
      max: 3,
    })
    const refund = await getJson('/coverage?topic=refund')
    expect(refund.body.counts).toEqual({ parent: { angry: 1, calm: 3 }, student: { angry: 0, calm: 0 } })
    const cancelled = await getJson('/coverage?status=cancelled')
    expect(cancelled.body.counts).toEqual({ student: { angry: 5 } })

    const { html } = await getHtml(`/coverage?topic=refund&template_id=${source.templateId}`)
    expect(html).toContain('id="coverage-heatmap"')
    expect(html).toContain('<td style="--heat: 1.000" data-persona="parent" data-emotion="calm">3</td>')
    expect(html).toContain(`href="/generate?template_id=${source.templateId}&amp;grid_persona=student&amp;grid_emotion=angry&amp;grid_topic=refund"`)

    // The link's page has the cell's values in its grid.
    const generate = await getHtml(`/generate?template_id=${source.templateId}&grid_persona=student&grid_emotion=angry&grid_topic=refund`)
    expect(generate.status).toBe(200)
    expect(generate.html).toMatch(/<textarea id="f-grid-persona" name="grid_persona" rows="3">\s*student\s*<\/textarea>/)
    expect(generate.html).toMatch(/<textarea id="f-grid-topic" name="grid_topic" rows="3">\s*refund\s*<\/textarea>/)
  })

  test('a template adds the values it offers, even never generated ones', async () => {
    await cell('parent', 'calm', 'refund', 1)
    await db()
      .updateTable('templates')
      .set({ parameters: JSON.stringify([{ name: 'emotion', type: 'enum', required: true, values: ['calm', 'hopeful'] }]) })
      .where('id', '=', source.templateId)
      .execute()
    const { body } = await getJson(`/coverage?template_id=${source.templateId}`)
    // The scenario made by makeReviewSource offers busy parent / impatient / refund.
    expect(body.personas).toEqual(['busy parent', 'parent'])
    expect(body.emotions).toEqual(['calm', 'hopeful', 'impatient'])
    expect(body.counts.parent).toEqual({ calm: 1, hopeful: 0, impatient: 0 })
  })

  test('is read by every role, links only editors to generate, and refuses bad filters', async () => {
    await cell('parent', 'calm', 'refund', 1)
    await cell('student', 'angry', 'refund', 1)
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    const page = await getHtml('/coverage', viewer)
    expect(page.status).toBe(200)
    expect(page.html).toContain('href="/coverage"')
    expect(page.html).not.toContain('href="/generate?')
    expect((await getHtml('/coverage', cookie)).html).toContain('href="/generate?')
    expect((await app.request('/coverage')).status).not.toBe(200)
    const bad = await getJson('/coverage?template_id=nope', viewer)
    expect(bad.status).toBe(400)
    expect(Object.keys(bad.body.error.fields)).toEqual(['template_id'])
    expect((await getJson('/coverage?status=sleeping', viewer)).status).toBe(400)
  })
})

describe('roles', () => {
  test('viewers read every chart; signed-out visitors none', async () => {
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    for (const url of ['/review/quality', '/conversations/daily', `/batches/${source.batchId}/throughput`, '/coverage']) {
      expect((await getJson(url, viewer)).status, url).toBe(200)
      expect((await app.request(url, { headers: { accept: 'application/json' } })).status, url).toBe(401)
    }
  })
})
