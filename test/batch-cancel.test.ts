import { sql } from 'kysely'
import { beforeEach, describe, expect, test } from 'vitest'
import { up as withCancelledStatus, down as withoutCancelledStatus } from '../migrations/2026_11_30_1230_cancelled_status'
import type { ConversationStatus } from '../src/db/schema'
import { countInScope } from '../src/exports/records'
import { jobKey } from '../src/generation/jobs'
import { type App, form, json, makeUser, ORIGIN, signIn, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { countJobs, makeTemplate } from './helpers/generation'

// No worker runs here: a batch's conversations stay queued until the test moves them, so what a
// cancel finds is exactly what the test set up.

let database: TestDatabase
let app: App
let editor: string
let admin: string

useApp('editor', (t) => ({ database, app, cookie: editor } = t))

beforeEach(async () => {
  await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  admin = await signIn(app, await makeUser(database, 'admin'))
})

type Counts = { queued: number; generating: number; done: number; failed: number; cancelled: number }

async function startBatch(count: number): Promise<string> {
  const template = await makeTemplate(app, editor)
  const res = await app.request('/api/batches', json({ template_id: template.id, count_per_item: count }, { cookie: editor, origin: ORIGIN }))
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

/** The batch as if a worker had generated one conversation and given up on another. */
async function batchWithProgress(count: number): Promise<{ id: string; generated: string; failed: string }> {
  const id = await startBatch(count)
  const rows = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', id).orderBy('id').execute()
  const [generated, failed] = [rows[0]!.id, rows[1]!.id]
  const turns = JSON.stringify([
    { role: 'user', content: 'Hello?' },
    { role: 'assistant', content: 'Hello, how can I help?' },
  ])
  await database.db
    .updateTable('conversations')
    .set({ status: 'pending_review', title: 'A generated one', turns, turn_count: 2, quality_score: 8 })
    .where('id', '=', generated)
    .execute()
  await database.db
    .updateTable('conversations')
    .set({ status: 'failed', error_code: 'invalid_request', error_message: 'The request was refused.' })
    .where('id', '=', failed)
    .execute()
  // A worker completes the jobs of what it finished.
  for (const done of [generated, failed]) await sql`select graphile_worker.remove_job(${jobKey(done)})`.execute(database.db)
  return { id, generated, failed }
}

async function batchState(id: string) {
  const res = await app.request(`/api/batches/${id}`, { headers: { cookie: editor, accept: 'application/json' } })
  expect(res.status).toBe(200)
  return (await res.json()) as { status: string; counts: Counts }
}

const cancel = (id: string) => app.request(`/api/batches/${id}/cancel`, json({}, { cookie: editor, origin: ORIGIN }))

async function statuses(batchId: string): Promise<Partial<Record<ConversationStatus, number>>> {
  const rows = await database.db
    .selectFrom('conversations')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('batch_id', '=', batchId)
    .groupBy('status')
    .execute()
  return Object.fromEntries(rows.map((r) => [r.status, r.n]))
}

describe('cancelling a batch', () => {
  test('what was not generated yet becomes cancelled, not failed, and the batch counts it apart', async () => {
    const { id, failed } = await batchWithProgress(6)
    const res = await cancel(id)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'cancelled', counts: { queued: 0, generating: 0, done: 1, failed: 1, cancelled: 4 } })
    expect(await batchState(id)).toMatchObject({ status: 'cancelled', counts: { queued: 0, generating: 0, done: 1, failed: 1, cancelled: 4 } })
    expect(await statuses(id)).toEqual({ pending_review: 1, failed: 1, cancelled: 4 })
    // The genuine failure keeps its reason; the cancelled ones carry none, because nothing went wrong.
    const cancelled = await database.db
      .selectFrom('conversations')
      .select(['error_code', 'error_message'])
      .where('batch_id', '=', id)
      .where('status', '=', 'cancelled')
      .execute()
    expect(cancelled.every((c) => c.error_code === null && c.error_message === null)).toBe(true)
    expect((await database.db.selectFrom('conversations').select('error_code').where('id', '=', failed).executeTakeFirstOrThrow()).error_code).toBe(
      'invalid_request',
    )
    expect(await countJobs(database)).toBe(0)
    expect((await cancel(id)).status).toBe(409)
  })

  test('the batch page shows how many were cancelled, offers to clear them and retries only real failures', async () => {
    const { id } = await batchWithProgress(6)
    await cancel(id)
    const page = await (await app.request(`/batches/${id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain('data-count="cancelled">4<')
    expect(page).toContain('data-count="failed">1<')
    expect(page).toContain('Retry 1 failed')
    expect(page).not.toMatch(/Retry [2-9] failed/)
    expect(page).toContain(`action="/batches/${id}/clear-cancelled"`)
    expect(page).toContain('Clear 4 cancelled')
    expect(page).toContain(`/?batch_id=${id}&amp;status=cancelled`)
    // The latest results are what was generated or failed, never the cancelled placeholders.
    expect(page.match(/<li><a href="\/conversations\//g)).toHaveLength(2)
    expect(page).not.toContain('failed: cancelled')
    // Throughput counts what was generated or failed over the batch's life, never the cancelled ones.
    const { created_at, finished_at } = await database.db
      .selectFrom('batches')
      .select(['created_at', 'finished_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    const perMinute = (2 / ((finished_at!.getTime() - created_at.getTime()) / 1000)) * 60
    expect(page).toContain(`${perMinute.toFixed(1)} / min`)
    // Nothing could be cancelled any more, so the page offers no Cancel.
    expect(page).not.toContain(`action="/batches/${id}/cancel"`)

    // Retrying re-queues the genuine failure alone; the cancelled ones stay cancelled.
    const retry = await app.request(`/api/batches/${id}/retry`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(retry.status).toBe(200)
    expect(await statuses(id)).toEqual({ pending_review: 1, queued: 1, cancelled: 4 })
  })

  test('a cancelled conversation offers neither retry nor regenerate, and refuses both', async () => {
    const { id } = await batchWithProgress(3)
    await cancel(id)
    const one = await database.db
      .selectFrom('conversations')
      .select('id')
      .where('batch_id', '=', id)
      .where('status', '=', 'cancelled')
      .executeTakeFirstOrThrow()
    const page = await (await app.request(`/conversations/${one.id}/generation`, { headers: { cookie: editor } })).text()
    expect(page).toContain('data-status="cancelled"')
    expect(page).toContain('Its batch was cancelled before this conversation was generated')
    expect(page).not.toContain(`/conversations/${one.id}/retry`)
    expect(page).not.toContain(`/conversations/${one.id}/regenerate`)
    expect((await app.request(`/conversations/${one.id}/retry`, json({}, { cookie: editor, origin: ORIGIN }))).status).toBe(409)
    const regenerate = await app.request(`/conversations/${one.id}/regenerate`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(regenerate.status).toBe(409)
    expect(await statuses(id)).toEqual({ pending_review: 1, failed: 1, cancelled: 1 })
  })

  test('the batch page asks before cancelling, with a form that works without JavaScript', async () => {
    const id = await startBatch(4)
    const page = await (await app.request(`/batches/${id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain(`action="/batches/${id}/cancel"`)

    const ask = await app.request(`/batches/${id}/cancel`, form({}, { cookie: editor }))
    expect(ask.status).toBe(200)
    const confirm = await ask.text()
    expect(confirm).toContain('4 conversations not generated yet will be cancelled')
    expect(confirm).toContain(`action="/batches/${id}/cancel"`)
    expect(confirm).toContain('name="confirmed" value="true"')
    expect(confirm).toContain(`href="/batches/${id}"`)
    expect((await batchState(id)).status).toBe('running')
    expect(await countJobs(database)).toBe(4)

    const confirmed = await app.request(`/batches/${id}/cancel`, form({ confirmed: 'true' }, { cookie: editor }))
    expect(confirmed.status).toBe(303)
    expect(confirmed.headers.get('location')).toBe(`/batches/${id}`)
    expect(await batchState(id)).toMatchObject({ status: 'cancelled', counts: { cancelled: 4, failed: 0 } })
    // A batch that is over is not asked about again: it answers 409 straight away.
    expect((await app.request(`/batches/${id}/cancel`, form({}, { cookie: editor }))).status).toBe(409)
    expect((await app.request(`/batches/${id}/cancel`, form({ confirmed: 'perhaps' }, { cookie: editor }))).status).toBe(400)
  })

  test('a viewer cannot cancel, nor see the confirmation', async () => {
    const id = await startBatch(2)
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    expect((await app.request(`/batches/${id}/cancel`, form({}, { cookie: viewer }))).status).toBe(403)
    expect((await app.request(`/batches/${id}/cancel`, form({ confirmed: 'true' }, { cookie: viewer }))).status).toBe(403)
    expect((await batchState(id)).status).toBe('running')
  })
})

describe('cancelled conversations elsewhere', () => {
  test('the dashboard neither lists nor counts them as failed; its status filter shows them', async () => {
    const { id } = await batchWithProgress(5)
    await cancel(id)
    const list = (await (await app.request('/api/conversations', { headers: { cookie: editor } })).json()) as { items: Array<{ status: string }> }
    expect(list.items.map((i) => i.status).sort()).toEqual(['failed', 'pending_review'])
    const summary = (await (await app.request('/conversations/summary', { headers: { cookie: editor, accept: 'application/json' } })).json()) as {
      total: number
      byStatus: Record<string, number>
    }
    expect(summary).toMatchObject({ total: 2, byStatus: { failed: 1, pending_review: 1 } })

    const dashboard = await (await app.request('/', { headers: { cookie: editor } })).text()
    expect(dashboard).not.toContain('status-cancelled')
    expect(dashboard.match(/pill status-failed/g)).toHaveLength(1)
    expect(dashboard).toContain('name="status" value="cancelled"')

    const asked = (await (await app.request(`/api/conversations?batch_id=${id}&status=cancelled`, { headers: { cookie: editor } })).json()) as {
      items: Array<{ status: string }>
    }
    expect(asked.items.map((i) => i.status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    const filtered = await (await app.request(`/?batch_id=${id}&status=cancelled`, { headers: { cookie: editor } })).text()
    expect(filtered.match(/pill status-cancelled">Cancelled</g)).toHaveLength(3)
  })

  test('bulk actions and exports on a filter leave them out unless the filter asks for them', async () => {
    const { id } = await batchWithProgress(5)
    await cancel(id)
    const everything = await app.request('/conversations/bulk', json({ action: 'delete', scope: 'filter', batch_id: id }, { cookie: admin, origin: ORIGIN }))
    expect(await everything.json()).toMatchObject({ matched: 2, eligible: 2, confirmed: false })
    const cancelledOnly = await app.request(
      '/conversations/bulk',
      json({ action: 'delete', scope: 'filter', batch_id: id, status: ['cancelled'] }, { cookie: admin, origin: ORIGIN }),
    )
    expect(await cancelledOnly.json()).toMatchObject({ matched: 3, eligible: 3, confirmed: false })
    expect(await countInScope(database.db, { batch_id: id }, { only_non_simulated: false })).toBe(2)
    expect(await countInScope(database.db, { batch_id: id, status: ['cancelled'] }, { only_non_simulated: false })).toBe(3)
  })

  test('"Clear N cancelled" moves them to the trash and out of the batch counts', async () => {
    const { id } = await batchWithProgress(5)
    await cancel(id)
    const viewer = await signIn(app, await makeUser(database, 'viewer'))
    expect((await app.request(`/batches/${id}/clear-cancelled`, form({}, { cookie: viewer }))).status).toBe(403)
    const res = await app.request(`/batches/${id}/clear-cancelled`, form({}, { cookie: editor }))
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`/batches/${id}`)
    expect(await batchState(id)).toMatchObject({ status: 'cancelled', counts: { done: 1, failed: 1, cancelled: 0 } })
    const trashed = await database.db.selectFrom('conversations').select('deleted_at').where('batch_id', '=', id).where('status', '=', 'cancelled').execute()
    expect(trashed).toHaveLength(3)
    expect(trashed.every((c) => c.deleted_at !== null)).toBe(true)
    const page = await (await app.request(`/batches/${id}`, { headers: { cookie: editor } })).text()
    expect(page).not.toContain('clear-cancelled')
    const trash = await (await app.request('/conversations/trash', { headers: { cookie: admin } })).text()
    expect(trash.match(/<td>Cancelled<\/td>/g)).toHaveLength(3)
    // Nothing left to clear: the same request again changes nothing.
    const again = await app.request(`/api/batches/${id}/clear-cancelled`, json({}, { cookie: editor, origin: ORIGIN }))
    expect(again.status).toBe(200)
    expect(await again.json()).toMatchObject({ counts: { cancelled: 0 } })
  })

  test('the batches list counts cancelled conversations as neither finished nor failed', async () => {
    const { id } = await batchWithProgress(5)
    await cancel(id)
    const list = (await (await app.request('/batches', { headers: { cookie: editor, accept: 'application/json' } })).json()) as {
      items: Array<{ id: string; finished: number; total: number }>
    }
    expect(list.items).toEqual([expect.objectContaining({ id, finished: 2, total: 5 })])
  })

  test('the migration turns conversations cancelled before it (failed with code cancelled) into cancelled ones', async () => {
    const { id } = await batchWithProgress(4)
    await cancel(id)
    await withoutCancelledStatus(database.db)
    try {
      expect(await statuses(id)).toEqual({ pending_review: 1, failed: 3 })
      await expect(sql`update conversations set status = 'cancelled' where batch_id = ${id}::uuid`.execute(database.db)).rejects.toThrow(
        /conversations_status_check/,
      )
    } finally {
      await withCancelledStatus(database.db)
    }
    expect(await statuses(id)).toEqual({ pending_review: 1, failed: 1, cancelled: 2 })
    await expect(sql`update conversations set status = 'lost' where batch_id = ${id}::uuid`.execute(database.db)).rejects.toThrow(/conversations_status_check/)
  })
})

describe('deleting a template', () => {
  test('asks first, with a form that works without JavaScript', async () => {
    const template = await makeTemplate(app, editor)
    const page = await (await app.request(`/templates/${template.id}`, { headers: { cookie: editor } })).text()
    expect(page).toContain(`action="/templates/${template.id}/delete"`)
    const ask = await app.request(`/templates/${template.id}/delete`, form({}, { cookie: editor }))
    expect(ask.status).toBe(200)
    const confirm = await ask.text()
    expect(confirm).toContain('name="confirmed" value="true"')
    expect(confirm).toContain(`action="/templates/${template.id}/delete"`)
    expect(await database.db.selectFrom('templates').select('id').execute()).toHaveLength(1)
    const done = await app.request(`/templates/${template.id}/delete`, form({ confirmed: 'true' }, { cookie: editor }))
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/templates?done=deleted')
    expect(await database.db.selectFrom('templates').select('id').execute()).toHaveLength(0)
  })
})

describe('the batch page', () => {
  test('lists no trashed conversation among its latest results', async () => {
    const { id, generated } = await batchWithProgress(3)
    const before = await app.request(`/batches/${id}`, { headers: { cookie: editor } })
    expect(await before.text()).toContain('A generated one')
    await database.db.updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', generated).execute()
    const after = await app.request(`/batches/${id}`, { headers: { cookie: editor } })
    expect(after.status).toBe(200)
    expect(await after.text()).not.toContain('A generated one')
  })
})
