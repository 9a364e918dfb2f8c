import { beforeEach, expect, test } from 'vitest'
import { autoDecision } from '../src/review/auto'
import { activeReviewSettings } from '../src/review/settings'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import { insertDocumentWithChunks } from './helpers/chunks'
import type { TestDatabase } from './helpers/db'
import { insertGroundedConversation } from './helpers/grounded'
import { insertConversations, makeReviewSource, type ReviewSource } from './helpers/review'

let database: TestDatabase
let app: App
let reviewer: TestUser
let cookie: string
let source: ReviewSource

useApp('reviewer', (t) => ({ database, app, user: reviewer, cookie } = t))
beforeEach(async () => {
  source = await makeReviewSource(database.db)
})

const db = () => database.db
const state = (id: string) => db().selectFrom('conversations').select(['status', 'version', 'reviewed_by']).where('id', '=', id).executeTakeFirstOrThrow()
const actions = (id?: string) => {
  let query = db()
    .selectFrom('review_actions')
    .select(['id', 'conversation_id', 'action', 'from_status', 'to_status', 'reasons', 'comment', 'reviewer_id', 'undoes_id'])
  if (id) query = query.where('conversation_id', '=', id)
  return query.orderBy('created_at').orderBy('id').execute()
}
const review = (id: string, body: Record<string, unknown>, who = cookie) => app.request(`/api/conversations/${id}/review`, json(body, { cookie: who }))
/** A form post with repeated fields (reasons=a&reasons=b), as a browser sends checkboxes. */
const post = (url: string, fields: [string, string][], headers: Record<string, string> = {}) =>
  app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie, ...headers },
    body: new URLSearchParams(fields).toString(),
  })
const queueIds = async (query: string, who = cookie) => {
  const res = await app.request(`/review${query}`, { headers: { cookie: who, accept: 'application/json' } })
  expect(res.status).toBe(200)
  return (await res.json()) as { items: { id: string; quality_score: number }[]; next_cursor: string | null }
}

test('approving through the review form records the decision and redirects to the next conversation', async () => {
  const [first, second] = await insertConversations(db(), source, [7, 8, 9])
  const res = await app.request(`/review/${first}?order=oldest`, form({ action: 'approve', version: '1' }, { cookie }))
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe(`/review/${second}?order=oldest&done=approve`)
  expect(await state(first!)).toEqual({ status: 'approved', version: 2, reviewed_by: reviewer.id })
  expect(await actions(first)).toEqual([
    expect.objectContaining({ action: 'approve', from_status: 'pending_review', to_status: 'approved', reasons: [], reviewer_id: reviewer.id }),
  ])

  const next = await app.request(res.headers.get('location')!, { headers: { cookie } })
  expect(next.status).toBe(200)
  const html = await next.text()
  expect(html).toContain('Approved. Here is the next one.')
  expect(html).toContain('Conversation 2')
})

test('rejecting with several reasons from htmx answers with the next review screen and pushes its URL', async () => {
  const [first, second] = await insertConversations(db(), source, [7, 8])
  const res = await post(
    `/review/${first}`,
    [
      ['action', 'reject'],
      ['version', '1'],
      ['reasons', 'factual_error'],
      ['reasons', 'too_long'],
      ['comment', 'The agent invents a policy.'],
    ],
    { 'hx-request': 'true' },
  )
  expect(res.status).toBe(200)
  expect(res.headers.get('hx-push-url')).toBe(`/review/${second}?order=oldest`)
  const html = await res.text()
  expect(html).toMatch(/^<section id="review-screen"/)
  expect(html).toContain(`data-conversation-id="${second}"`)
  expect(html).toContain('Rejected. Here is the next one.')
  expect(await state(first!)).toMatchObject({ status: 'rejected', version: 2 })
  expect(await actions(first)).toEqual([
    expect.objectContaining({ action: 'reject', to_status: 'rejected', reasons: ['factual_error', 'too_long'], comment: 'The agent invents a policy.' }),
  ])
})

test('requesting changes needs a comment, and with one sends the conversation back', async () => {
  const [id] = await insertConversations(db(), source, [6])
  const refused = await review(id!, { action: 'request_changes', version: 1 })
  expect(refused.status).toBe(400)
  expect(await refused.json()).toMatchObject({ error: { code: 'validation_failed', message: 'Say what should change: requesting changes needs a comment.' } })
  expect(await state(id!)).toMatchObject({ status: 'pending_review', version: 1 })

  const res = await review(id!, { action: 'request_changes', version: 1, comment: 'Make the agent less formal.' })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({
    id,
    status: 'needs_revision',
    version: 2,
    review_action: { action: 'request_changes', comment: 'Make the agent less formal.' },
  })
})

test('the review API answers 200 with the new state', async () => {
  const [id] = await insertConversations(db(), source, [8])
  const res = await review(id!, { action: 'reject', reasons: ['off_topic', 'unsafe'], version: 1 })
  expect(res.status).toBe(200)
  expect(await res.json()).toMatchObject({
    id,
    status: 'rejected',
    version: 2,
    reviewed_by: reviewer.id,
    review_action: { action: 'reject', reasons: ['off_topic', 'unsafe'] },
  })
})

test('a decision on a stale version gets a 409 with the fresh conversation and changes nothing', async () => {
  const [id] = await insertConversations(db(), source, [8])
  const other = await makeUser(database, 'reviewer')
  const otherCookie = await signIn(app, other)
  expect((await review(id!, { action: 'approve', version: 1 }, otherCookie)).status).toBe(200)
  const before = await actions(id)

  const res = await review(id!, { action: 'reject', reasons: ['off_topic'], version: 1 })
  expect(res.status).toBe(409)
  const body = await res.json()
  expect(body.error).toEqual({ code: 'conflict', message: expect.stringContaining('Someone else changed this conversation after you opened it') })
  expect(body.conversation).toMatchObject({ id, status: 'approved', version: 2, reviewed_by: other.id })
  expect(await state(id!)).toEqual({ status: 'approved', version: 2, reviewed_by: other.id })
  expect(await actions(id)).toEqual(before)

  // The browser form shows the message and the current state instead of overwriting it.
  const page = await app.request(`/review/${id}`, form({ action: 'reject', reasons: 'off_topic', version: '1' }, { cookie }))
  expect(page.status).toBe(409)
  const html = await page.text()
  expect(html).toContain('Someone else changed this conversation after you opened it')
  expect(html).toContain('This conversation is approved; only pending conversations can be reviewed.')
  expect(await actions(id)).toEqual(before)
})

test('two reviewers deciding at the same moment: exactly one wins, the other gets a 409', async () => {
  const [id] = await insertConversations(db(), source, [8])
  const other = await signIn(app, await makeUser(database, 'admin'))
  const results = await Promise.all([review(id!, { action: 'approve', version: 1 }), review(id!, { action: 'reject', reasons: ['unsafe'], version: 1 }, other)])
  expect(results.map((r) => r.status).sort()).toEqual([200, 409])
  expect(await actions(id)).toHaveLength(1)
  expect((await state(id!)).version).toBe(2)
})

test('a conversation that is not pending review cannot be decided on', async () => {
  const [id] = await insertConversations(db(), source, [8], { status: 'approved' })
  const res = await review(id!, { action: 'reject', reasons: ['off_topic'], version: 1 })
  expect(res.status).toBe(409)
  expect((await res.json()).error.message).toBe('This conversation is approved, not pending review, so it cannot be reviewed now.')
  expect(await state(id!)).toMatchObject({ status: 'approved', version: 1 })
  expect(await actions(id)).toEqual([])
})

test('an unknown rejection reason, a reject without reasons and a bad action are refused with 400 and nothing changes', async () => {
  const [id] = await insertConversations(db(), source, [8])
  const unknown = await review(id!, { action: 'reject', reasons: ['boring'], version: 1 })
  expect(unknown.status).toBe(400)
  expect((await unknown.json()).error.message).toContain('Unknown rejection reason "boring"')
  const none = await review(id!, { action: 'reject', version: 1 })
  expect(none.status).toBe(400)
  expect((await none.json()).error.message).toBe('Pick at least one reason to reject a conversation.')
  const bad = await review(id!, { action: 'delete', version: 'x' })
  expect(bad.status).toBe(400)
  expect((await bad.json()).error.fields).toMatchObject({ action: expect.stringContaining('approve, reject, request_changes'), version: expect.any(String) })
  expect(await state(id!)).toMatchObject({ status: 'pending_review', version: 1 })
  expect(await actions(id)).toEqual([])
})

test('a deleted or unknown conversation answers 404', async () => {
  const [id] = await insertConversations(db(), source, [8])
  await db().updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', id!).execute()
  const res = await review(id!, { action: 'approve', version: 1 })
  expect(res.status).toBe(404)
  expect((await res.json()).error.message).toBe('This conversation does not exist or has been deleted.')
  expect((await review('00000000-0000-4000-8000-000000000000', { action: 'approve', version: 1 })).status).toBe(404)
  expect((await review('not-an-id', { action: 'approve', version: 1 })).status).toBe(404)
  expect((await app.request(`/review/${id}`, { headers: { cookie } })).status).toBe(404)
  expect(await state(id!)).toMatchObject({ status: 'pending_review', version: 1 })
})

test('viewers and editors get 403 from the review queue, screen, settings and the review API', async () => {
  const [id] = await insertConversations(db(), source, [8])
  for (const role of ['viewer', 'editor'] as const) {
    const other = await signIn(app, await makeUser(database, role))
    for (const path of ['/review', `/review/${id}`, '/review/next', '/review/settings']) {
      expect((await app.request(path, { headers: { cookie: other } })).status, `${role} ${path}`).toBe(403)
    }
    const res = await review(id!, { action: 'approve', version: 1 }, other)
    expect(res.status).toBe(403)
    expect((await res.json()).error.message).toContain(`Your role (${role}) does not allow this`)
    expect((await app.request('/api/review/undo', json({}, { cookie: other }))).status).toBe(403)
  }
  expect(await state(id!)).toMatchObject({ status: 'pending_review', version: 1 })
})

test('undo reverts the reviewer’s last decision, recorded as an undo action, and walks back one decision at a time', async () => {
  const [first, second] = await insertConversations(db(), source, [7, 8])
  await review(first!, { action: 'approve', version: 1 })
  await review(second!, { action: 'reject', reasons: ['repetitive'], version: 1 })

  const res = await post('/review/undo', [['current', second!]])
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe(`/review/${second}?order=oldest&done=undo`)
  expect(await state(second!)).toEqual({ status: 'pending_review', version: 3, reviewed_by: null })
  const [reject, undo] = await actions(second)
  expect(undo).toMatchObject({ action: 'undo', from_status: 'rejected', to_status: 'pending_review', undoes_id: reject!.id, reviewer_id: reviewer.id })

  const api = await app.request('/api/review/undo', json({}, { cookie }))
  expect(api.status).toBe(200)
  expect(await api.json()).toMatchObject({ id: first, status: 'pending_review', version: 3, review_action: { action: 'undo' } })

  const nothing = await app.request('/api/review/undo', json({}, { cookie }))
  expect(nothing.status).toBe(400)
  expect((await nothing.json()).error.message).toBe('You have nothing to undo.')
})

test('undo is refused when someone else acted on the conversation since', async () => {
  const [id] = await insertConversations(db(), source, [7])
  await review(id!, { action: 'request_changes', comment: 'Shorter.', version: 1 })
  await db().updateTable('conversations').set({ status: 'pending_review', version: 3 }).where('id', '=', id!).execute()
  const admin = await signIn(app, await makeUser(database, 'admin'))
  expect((await review(id!, { action: 'approve', version: 3 }, admin)).status).toBe(200)

  const res = await app.request('/api/review/undo', json({}, { cookie }))
  expect(res.status).toBe(409)
  const body = await res.json()
  expect(body.error.message).toContain('cannot be undone: the conversation has changed since and is now approved')
  expect(body.conversation).toMatchObject({ id, status: 'approved', version: 4 })
  expect(await state(id!)).toMatchObject({ status: 'approved', version: 4 })
})

test('the queue lists only pending conversations, in the order the reviewer chooses, paged by keyset', async () => {
  const qualities = [5, 9, 3, 7, 9, 1, 6]
  const ids = await insertConversations(db(), source, qualities)
  await insertConversations(db(), source, [8], { status: 'approved' })
  await db()
    .insertInto('user_preferences')
    .values({ user_id: reviewer.id, settings: JSON.stringify({ rows_per_page: 10 }) })
    .execute()

  expect((await queueIds('?order=oldest')).items.map((i) => i.id)).toEqual(ids)
  const lowest = (await queueIds('?order=lowest')).items
  expect(lowest.map((i) => i.quality_score)).toEqual([1, 3, 5, 6, 7, 9, 9])
  const highest = (await queueIds('?order=highest')).items
  expect(highest.map((i) => i.quality_score)).toEqual([9, 9, 7, 6, 5, 3, 1])
  // Ties keep a stable order (by id), reversed for "highest first".
  expect(highest.slice(0, 2).map((i) => i.id)).toEqual(
    lowest
      .slice(5)
      .map((i) => i.id)
      .reverse(),
  )

  // The order chosen on the queue page is remembered; pages follow each other by keyset with no gaps or repeats.
  const chosen = await post('/review/queue', [['order', 'lowest']])
  expect(chosen.status).toBe(303)
  expect(chosen.headers.get('location')).toBe('/review?order=lowest')
  const seen: string[] = []
  let cursor: string | null = null
  await db()
    .updateTable('user_preferences')
    .set({ settings: JSON.stringify({ rows_per_page: 10 }) })
    .execute()
  do {
    const page = await queueIds(`?order=lowest&${new URLSearchParams(cursor ? { after: cursor } : {})}`)
    seen.push(...page.items.map((i) => i.id))
    cursor = page.next_cursor
  } while (cursor)
  expect(seen).toEqual(lowest.map((i) => i.id))
  const prefs = await db().selectFrom('user_preferences').select('review_order').where('user_id', '=', reviewer.id).executeTakeFirstOrThrow()
  expect(prefs.review_order).toBe('lowest')
  expect((await queueIds('')).items.map((i) => i.quality_score)).toEqual([1, 3, 5, 6, 7, 9, 9])
})

test('the queue page lists the waiting conversations with their filters and a way in', async () => {
  const [id] = await insertConversations(db(), source, [4.5], { title: 'Late parcel' })
  const res = await app.request('/review?order=lowest&tier=T2', { headers: { cookie } })
  expect(res.status).toBe(200)
  const html = await res.text()
  expect(html).toContain(`href="/review/${id}?order=lowest&amp;tier=T2"`)
  expect(html).toContain('Late parcel 1')
  expect(html).toContain('href="/review/next?order=lowest&amp;tier=T2"')
  expect(html).toMatch(/<option value="lowest" selected/)
})

test('an admin sees the review settings with the default reasons and thresholds off', async () => {
  const admin = await signIn(app, await makeUser(database, 'admin'))
  const res = await app.request('/review/settings', { headers: { cookie: admin } })
  expect(res.status).toBe(200)
  const html = await res.text()
  expect(html).toContain('off_topic: Off topic')
  expect(html).toContain('other: Other')
  expect(html).toMatch(/name="auto_approve_above"[^>]*value=""/)
})

test('the queue pages by keyset with the page size preference', async () => {
  const ids = await insertConversations(
    db(),
    source,
    Array.from({ length: 25 }, (_, i) => i % 10),
  )
  await db()
    .insertInto('user_preferences')
    .values({ user_id: reviewer.id, settings: JSON.stringify({ rows_per_page: 10 }) })
    .execute()
  const first = await queueIds('?order=oldest')
  expect(first.items.map((i) => i.id)).toEqual(ids.slice(0, 10))
  expect(first.next_cursor).toBe(ids[9])
  const third = await queueIds(`?order=oldest&after=${ids[19]}`)
  expect(third.items.map((i) => i.id)).toEqual(ids.slice(20))
  expect(third.next_cursor).toBeNull()
  // htmx "load more" gets the rows alone, ending with the next "load more".
  const rows = await app.request(`/review?order=oldest&after=${ids[9]}`, { headers: { cookie, 'hx-request': 'true' } })
  const html = await rows.text()
  expect(html.startsWith('<tr')).toBe(true)
  expect(html).toContain(`after=${ids[19]}`)
})

test('the queue filters by template, batch, tier and quality, and refuses bad filters with a 400', async () => {
  const otherSource = await makeReviewSource(db(), 'Sales chats')
  const [low, high] = await insertConversations(db(), source, [2, 9], { tier: 'T1' })
  const [t3] = await insertConversations(db(), otherSource, [9], { tier: 'T3' })
  expect((await queueIds(`?template_id=${source.templateId}`)).items.map((i) => i.id)).toEqual([low, high])
  expect((await queueIds(`?batch_id=${otherSource.batchId}`)).items.map((i) => i.id)).toEqual([t3])
  expect((await queueIds('?tier=T3')).items.map((i) => i.id)).toEqual([t3])
  expect((await queueIds('?tier=T1&quality_min=5')).items.map((i) => i.id)).toEqual([high])
  expect((await queueIds('?quality_max=5')).items.map((i) => i.id)).toEqual([low])

  for (const [query, field] of [
    ['?order=random', 'order'],
    ['?after=not-a-cursor', 'after'],
    ['?tier=T9', 'tier'],
    ['?quality_min=8&quality_max=2', 'quality_max'],
    ['?template_id=abc', 'template_id'],
  ]) {
    const res = await app.request(`/review${query}`, { headers: { cookie, accept: 'application/json' } })
    expect(res.status, query).toBe(400)
    expect(Object.keys((await res.json()).error.fields).join(), query).toContain(field!)
    const page = await app.request(`/review${query}`, { headers: { cookie } })
    expect(page.status).toBe(400)
  }
})

test('reading the queue or a conversation changes nothing: the order is remembered and a conversation claimed only by a same-site POST', async () => {
  const [id] = await insertConversations(db(), source, [6])
  const prefs = () => db().selectFrom('user_preferences').select('review_order').execute()
  const claims = () => db().selectFrom('review_claims').select(['conversation_id', 'reviewer_id']).execute()
  const { token: readOnly } = await (await app.request('/api/tokens', json({ name: 'read', scope: 'read' }, { cookie, origin: ORIGIN }))).json()

  // A link from anywhere, followed by a browser or a read-only token, writes nothing.
  const readers: Record<string, string>[] = [{ cookie }, { cookie, 'sec-fetch-site': 'cross-site' }, { authorization: `Bearer ${readOnly}` }]
  for (const headers of readers) {
    expect((await app.request('/review?order=highest', { headers })).status).toBe(200)
    expect((await app.request(`/review/${id}?order=highest`, { headers })).status).toBe(200)
  }
  expect(await prefs()).toEqual([])
  expect(await claims()).toEqual([])

  // The screen asks for its claim with a POST once it is shown.
  const screen = await (await app.request(`/review/${id}`, { headers: { cookie } })).text()
  expect(screen).toContain(`hx-post="/review/${id}/claim" hx-trigger="load"`)
  expect((await post(`/review/${id}/claim`, [], { origin: 'https://evil.example' })).status).toBe(403)
  expect((await app.request(`/review/${id}/claim`, { method: 'POST', headers: { authorization: `Bearer ${readOnly}` } })).status).toBe(403)
  expect(await claims()).toEqual([])
  expect((await post(`/review/${id}/claim`, [])).status).toBe(204)
  expect(await claims()).toEqual([{ conversation_id: id, reviewer_id: reviewer.id }])

  // The queue page's form posts the order, which is remembered, and shows that queue.
  const page = await (await app.request('/review', { headers: { cookie } })).text()
  expect(page).toContain('<form method="post" action="/review/queue"')
  expect((await post('/review/queue', [['order', 'highest']], { origin: 'https://evil.example' })).status).toBe(403)
  const chosen = await post('/review/queue', [
    ['order', 'highest'],
    ['tier', 'T1'],
    ['tier', 'T2'],
    ['template_id', ''],
  ])
  expect(chosen.status).toBe(303)
  expect(chosen.headers.get('location')).toBe('/review?order=highest&tier=T1&tier=T2')
  expect(await prefs()).toEqual([{ review_order: 'highest' }])
  expect((await post('/review/queue', [['order', 'sideways']])).status).toBe(400)
})

test('"next" skips a conversation another reviewer is looking at, and comes round to skipped ones', async () => {
  const [first, second, third] = await insertConversations(db(), source, [7, 8, 9])
  const other = await signIn(app, await makeUser(database, 'reviewer'))
  // The other reviewer opens the first conversation; once shown, the screen claims it for a few minutes.
  expect((await app.request(`/review/${first}`, { headers: { cookie: other } })).status).toBe(200)
  expect((await post(`/review/${first}/claim`, [], { cookie: other })).status).toBe(204)

  const start = await app.request('/review/next', { headers: { cookie } })
  expect(start.headers.get('location')).toBe(`/review/${second}?order=oldest`)
  const page = await app.request(`/review/${first}`, { headers: { cookie } })
  expect(await page.text()).toMatch(/reviewer\d+@example.com is reviewing this conversation right now/)

  // After the last one, "next" starts again from the top of the queue.
  await review(second!, { action: 'approve', version: 1 })
  const res = await app.request(`/review/${third}`, form({ action: 'approve', version: '1' }, { cookie }))
  expect(res.headers.get('location')).toBe(`/review/next?order=oldest`)
  const empty = await app.request('/review/next', { headers: { cookie } })
  expect(empty.status).toBe(200)
  expect(await empty.text()).toContain('Nothing left to review')
})

test('the review screen shows the conversation, where it came from, and its history', async () => {
  const [id] = await insertConversations(db(), source, [8])
  await review(id!, { action: 'reject', reasons: ['unnatural_dialogue'], comment: 'Stiff.', version: 1 })
  await app.request('/api/review/undo', json({}, { cookie }))
  const res = await app.request(`/review/${id}`, { headers: { cookie } })
  expect(res.status).toBe(200)
  const html = await res.text()
  for (const text of [
    'Where is my refund? (1)',
    'Support chats (version 1)',
    'Refund for a late parcel',
    'You write support conversations.',
    'A busy parent asks about a refund.',
    'Unnatural dialogue',
    'Stiff.',
    'Undone',
    'Rejected',
    'Approve <kbd>a</kbd>',
    'data-hotkey="r"',
  ]) {
    expect(html, text).toContain(text)
  }
})

test('the review screen shows the source chunk beside a grounded conversation, the passages it uses marked', async () => {
  const doc = await insertDocumentWithChunks(
    db(),
    'Refund policy',
    ['Refunds are issued within fourteen days of the return arriving. Our office cat is called Biscuit.'],
    {
      headings: [['Refunds', 'Timing']],
    },
  )
  const { id } = await insertGroundedConversation(db(), doc.chunkIds[0]!, {
    turns: ['How long do refunds take?', 'Refunds are issued within fourteen days once your return is arriving with us.'],
  })
  const html = await (await app.request(`/review/${id}`, { headers: { cookie } })).text()
  const panel = html.slice(html.indexOf('aria-label="Source chunk"'))
  expect(panel).toContain(`href="/chunks/${doc.chunkIds[0]}"`)
  expect(panel).toContain('Refund policy')
  expect(panel).toContain('Refunds › Timing')
  expect(panel).toContain('<mark>Refunds are issued within fourteen days of the return arriving.</mark>')
  expect(panel).toContain(' Our office cat is called Biscuit.')
  expect(panel).not.toContain('<mark> Our office cat')

  // Once the chunk is gone, the saved text is still shown beside the conversation.
  await db().deleteFrom('documents').where('id', '=', doc.id).execute()
  const orphan = await (await app.request(`/review/${id}`, { headers: { cookie } })).text()
  expect(orphan).toContain('the chunk is gone')
  expect(orphan).toContain('<mark>Refunds are issued within fourteen days of the return arriving.</mark>')
})

test('chunk text on the review screen is escaped: a chunk holding a script tag cannot inject it', async () => {
  const doc = await insertDocumentWithChunks(
    db(),
    '<img src=x onerror=alert(1)>',
    ['Reset the router. <script>alert("chunk")</script> Then wait for the router lights.'],
    {
      headings: [['<b>Setup</b>']],
    },
  )
  const { id } = await insertGroundedConversation(db(), doc.chunkIds[0]!, { turns: ['Help?', 'Reset the router and wait for the router lights.'] })
  const html = await (await app.request(`/review/${id}`, { headers: { cookie } })).text()
  expect(html).not.toContain('<script>alert("chunk")</script>')
  expect(html).toContain('&lt;script&gt;alert(&quot;chunk&quot;)&lt;/script&gt;')
  expect(html).not.toContain('<img src=x')
  expect(html).not.toContain('<b>Setup</b>')
})

test('an ungrounded conversation has no source chunk panel', async () => {
  const [id] = await insertConversations(db(), source, [8])
  const html = await (await app.request(`/review/${id}`, { headers: { cookie } })).text()
  expect(html).not.toContain('aria-label="Source chunk"')
})

test('the quality page shows approval rates per template, worst first, with reasons', async () => {
  const good = source
  const bad = await makeReviewSource(db(), 'Weak template')
  const goodIds = await insertConversations(db(), good, [8, 9, 7])
  const badIds = await insertConversations(db(), bad, [3, 4, 8])
  for (const id of goodIds) await review(id, { action: 'approve', version: 1 })
  await review(badIds[0]!, { action: 'reject', reasons: ['too_short'], version: 1 })
  await review(badIds[1]!, { action: 'reject', reasons: ['too_short', 'off_topic'], version: 1 })
  await review(badIds[2]!, { action: 'approve', version: 1 })

  const res = await app.request('/review/quality', { headers: { cookie, accept: 'application/json' } })
  expect(res.status).toBe(200)
  const body = await res.json()
  expect(body.templates.map((t: { template_name: string }) => t.template_name)).toEqual(['Weak template', 'Support chats'])
  expect(body.templates[0]).toMatchObject({ decided: 3, approved: 1, rejected: 2, avg_quality_rejected: 3.5, avg_quality_approved: 8 })
  expect(body.overall).toMatchObject({ decided: 6, approved: 4 })
  expect(body.reasons.overall[0]).toMatchObject({ reason: 'too_short', count: 2 })
  expect(body.trend.at(-1)).toMatchObject({ decided: 6, approved: 4 })
  const html = await (await app.request('/review/quality', { headers: { cookie } })).text()
  expect(html.indexOf('Weak template')).toBeLessThan(html.indexOf('Support chats'))
})

test('editors and viewers read the quality page that tells them which templates to fix', async () => {
  const bad = await makeReviewSource(db(), 'Weak template')
  const [id] = await insertConversations(db(), bad, [3])
  await review(id!, { action: 'reject', reasons: ['too_short'], version: 1 })
  for (const role of ['editor', 'viewer'] as const) {
    const other = await signIn(app, await makeUser(database, role))
    const page = await app.request('/review/quality', { headers: { cookie: other } })
    expect(page.status, role).toBe(200)
    const html = await page.text()
    expect(html).toContain('Weak template')
    expect(html).toContain('Too short (1)')
    // The queue is not theirs: no link to it, and the navigation offers the quality page.
    expect(html).not.toContain('href="/review"')
    expect(html).toContain('href="/review/quality"')
    const body = await (await app.request(`/review/quality?template_id=${bad.templateId}`, { headers: { cookie: other, accept: 'application/json' } })).json()
    expect(body.overall).toMatchObject({ decided: 1, rejected: 1, approval_rate: 0 })
    expect((await app.request('/review/quality?template_id=nope', { headers: { cookie: other } })).status).toBe(400)
  }
  expect((await app.request('/review/quality')).status).not.toBe(200)
})

test('the dashboard and the quality page give one approval rate for the same data, and both say how it is computed', async () => {
  await insertConversations(db(), source, [8, 8, 8], { status: 'approved' })
  await insertConversations(db(), source, [3], { status: 'rejected' })
  await insertConversations(db(), source, [5], { status: 'needs_revision' })
  await insertConversations(db(), source, [6])
  const summary = await (await app.request('/conversations/summary', { headers: { cookie, accept: 'application/json' } })).json()
  const quality = await (await app.request('/review/quality', { headers: { cookie, accept: 'application/json' } })).json()
  expect(summary.approvalRate).toBe(3 / 5)
  expect(quality.overall.approval_rate).toBe(summary.approvalRate)
  expect(quality.templates[0].approval_rate).toBe(summary.approvalRate)
  const cards = await (await app.request('/conversations/summary', { headers: { cookie, 'hx-request': 'true' } })).text()
  const page = await (await app.request('/review/quality', { headers: { cookie } })).text()
  for (const html of [cards, page]) {
    expect(html).toContain('60.0%')
    expect(html).toContain('approved ÷ (approved + rejected + needs revision)')
  }
})

test('auto-review thresholds are off by default; an admin sets them and they decide by quality', async () => {
  const [middle] = await insertConversations(db(), source, [6])
  const decide = async (quality: number) => autoDecision(await activeReviewSettings(db()), quality)?.action ?? null
  expect(await decide(9.5)).toBeNull()

  const refused = await app.request('/review/settings', form({ reasons: 'off_topic: Off topic', auto_approve_above: '9' }, { cookie }))
  expect(refused.status).toBe(403)
  const admin = await signIn(app, await makeUser(database, 'admin'))
  const invalid = await app.request('/review/settings', form({ reasons: 'Off Topic!', auto_approve_above: '4', auto_reject_below: '5' }, { cookie: admin }))
  expect(invalid.status).toBe(400)
  const saved = await app.request(
    '/review/settings',
    form({ reasons: 'off_topic: Off topic\nunsafe: Unsafe\nhallucination: Made-up facts', auto_approve_above: '9', auto_reject_below: '3' }, { cookie: admin }),
  )
  expect(saved.status).toBe(303)

  expect(await decide(9.5)).toBe('auto_approve')
  expect(await decide(9)).toBe('auto_approve')
  expect(await decide(6)).toBeNull()
  expect(await decide(2.99)).toBe('auto_reject')
  // Generation applies them as it stores a result (test/generation.test.ts); what waits already is left alone.
  expect(await state(middle!)).toMatchObject({ status: 'pending_review', version: 1 })
  expect(await actions()).toEqual([])

  // The edited reason list is what reviewers pick from now.
  const [next] = await insertConversations(db(), source, [6])
  expect((await review(next!, { action: 'reject', reasons: ['hallucination'], version: 1 })).status).toBe(200)
  expect((await review(middle!, { action: 'reject', reasons: ['too_long'], version: 1 })).status).toBe(400)
})

test('the review screen counts its place in the queue, "2 of 3 pending", and the queue page the pending total', async () => {
  const [, second] = await insertConversations(db(), source, [7, 8, 9])
  const screen = await (await app.request(`/review/${second}?order=oldest`, { headers: { cookie } })).text()
  expect(screen).toContain('<span id="queue-position" class="queue-position" role="status">2 of 3 pending</span>')
  const queue = await (await app.request('/review', { headers: { cookie } })).text()
  expect(queue).toMatch(/<strong>3<\/strong> conversations pending review/)
  // The way in comes before the filters and has the focus.
  expect(queue.indexOf('Start reviewing')).toBeLessThan(queue.indexOf('<form method="post" action="/review/queue"'))
  expect(queue).toMatch(/href="\/review\/next\?order=oldest" autofocus/)
})

test('a reject without a reason is refused with the reasons panel still open and the comment kept; nothing changes', async () => {
  const [id] = await insertConversations(db(), source, [7, 8])
  const res = await post(
    `/review/${id}`,
    [
      ['action', 'reject'],
      ['version', '1'],
      ['comment', 'Too vague'],
    ],
    { 'hx-request': 'true' },
  )
  expect(res.status).toBe(400)
  const html = await res.text()
  expect(html).toContain('Pick at least one reason to reject a conversation.')
  expect(html).toContain('<details class="action-panel" id="reject-panel" data-modal="true" open="">')
  expect(html).toContain('value="Too vague"')
  expect(html).toContain('<details class="action-panel" id="changes-panel" data-modal="true">')
  expect(await state(id!)).toMatchObject({ status: 'pending_review', version: 1 })
})

test('the last decision says what was done without promising a next one', async () => {
  const [id] = await insertConversations(db(), source, [7])
  const res = await post(
    `/review/${id}`,
    [
      ['action', 'approve'],
      ['version', '1'],
    ],
    { 'hx-request': 'true' },
  )
  const html = await res.text()
  expect(html).toContain('Nothing left to review')
  expect(html).toContain('Approved.')
  expect(html).not.toContain('Here is the next one')
})

test("a conversation's own page offers the same decisions: approve there, a refused reject keeps its panel open, an editor may not", async () => {
  const [first, second] = await insertConversations(db(), source, [7, 8])
  const page = await (await app.request(`/conversations/${first}`, { headers: { cookie } })).text()
  expect(page).toContain(`action="/conversations/${first}/review"`)
  expect(page).toContain('id="reject-panel"')

  const approved = await app.request(`/conversations/${first}/review`, form({ action: 'approve', version: '1' }, { cookie }))
  expect(approved.status).toBe(303)
  expect(approved.headers.get('location')).toBe(`/conversations/${first}?done=approved`)
  expect(await state(first!)).toEqual({ status: 'approved', version: 2, reviewed_by: reviewer.id })
  const after = await (await app.request(approved.headers.get('location')!, { headers: { cookie } })).text()
  expect(after).toContain('Approved.')
  expect(after).not.toContain(`action="/conversations/${first}/review"`)

  const refused = await app.request(`/conversations/${second}/review`, form({ action: 'reject', version: '1' }, { cookie }))
  expect(refused.status).toBe(400)
  const html = await refused.text()
  expect(html).toContain('Pick at least one reason to reject a conversation.')
  expect(html).toMatch(/id="reject-panel" data-modal="true" open=""/)
  expect(await state(second!)).toMatchObject({ status: 'pending_review', version: 1 })

  const editor = await makeUser(database, 'editor')
  const editorCookie = await signIn(app, editor)
  const forbidden = await app.request(`/conversations/${second}/review`, form({ action: 'approve', version: '1' }, { cookie: editorCookie }))
  expect(forbidden.status).toBe(403)
  expect(await (await app.request(`/conversations/${second}`, { headers: { cookie: editorCookie } })).text()).not.toContain('id="reject-panel"')
  expect(await state(second!)).toMatchObject({ status: 'pending_review', version: 1 })
})
