import { runOnce } from 'graphile-worker'
import { sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { ConversationStatus } from '../src/db/schema'
import type { Deps } from '../src/deps'
import { runExport } from '../src/exports/run-export'
import { RETRY_CHUNK } from '../src/recovery/failed-groups'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import { taskList } from '../tasks'
import type { FakeAnthropic } from './fake-anthropic/server'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { insertConversation } from './helpers/export-fixtures'
import { countJobs, makeTemplate, setAiSettings, useFakeAnthropic, viaFake, waitFor } from './helpers/generation'

let database: TestDatabase
let fake: FakeAnthropic
let app: App
let deps: Deps
let editor: string
let admin: TestUser
const workers: WorkerHandle[] = []

useFakeAnthropic((f) => (fake = f))
useApp('admin', (t) => ({ database, app, deps, user: admin } = t), { env: () => viaFake(fake) })
beforeEach(async () => {
  await emptyJobQueue(database)
  editor = await signIn(app, await makeUser(database, 'editor'))
  await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, max_retries: 2 })
})
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
})

async function worker(): Promise<void> {
  workers.push(await startWorker(deps, database.pool))
}

type Recovery = {
  failed_by_code: { code: string; count: number; title: string | null; action: string | null }[]
  stuck_batches: { id: string; name: string; queued: number; generating: number; stale_generating: number }[]
  exports: { id: string; status: string; format: string }[]
  jobs: { id: string; task_identifier: string; last_error: string | null; attempts: number; max_attempts: number }[]
}

async function recovery(query = '', cookie = editor): Promise<Recovery> {
  const res = await app.request(`/api/recovery${query}`, { headers: { cookie } })
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as Recovery
}

const post = (path: string, body: unknown, cookie = editor) => app.request(path, json(body, { cookie, origin: ORIGIN }))
const htmx = (path: string, fields: Record<string, string>, cookie = editor) => app.request(path, form(fields, { cookie, 'hx-request': 'true' }))

/** A batch of `count` queued conversations with their jobs (no worker runs until a test starts one). */
async function startBatch(count: number): Promise<{ id: string; conversations: string[] }> {
  const template = await makeTemplate(app, editor)
  const res = await post('/api/batches', { template_id: template.id, count_per_item: count })
  expect(res.status, await res.clone().text()).toBe(201)
  const { id } = (await res.json()) as { id: string }
  const rows = await database.db.selectFrom('conversations').select('id').where('batch_id', '=', id).orderBy('id').execute()
  return { id, conversations: rows.map((r) => r.id) }
}

/** The batch as a worker that gave up on these conversations would leave it: failed with the code, their jobs done. */
async function failWith(ids: string[], code: string | null, batchDone?: string): Promise<void> {
  await database.db
    .updateTable('conversations')
    .set({ status: 'failed', error_code: code, error_message: 'It went wrong.', attempts: 3 })
    .where('id', 'in', ids)
    .execute()
  await sql`delete from graphile_worker._private_jobs where key = any(${ids.map((id) => `generate_conversation:${id}`)})`.execute(database.db)
  if (batchDone) await database.db.updateTable('batches').set({ status: 'done', finished_at: new Date() }).where('id', '=', batchDone).execute()
}

async function statusOf(ids: string[]): Promise<ConversationStatus[]> {
  const rows = await database.db.selectFrom('conversations').select(['id', 'status']).where('id', 'in', ids).execute()
  return ids.map((id) => rows.find((r) => r.id === id)!.status)
}

describe('failed conversations by error code', () => {
  test('are counted per code, largest group first, in words, without trashed ones; failures without a code count as unknown', async () => {
    const { id, conversations: c } = await startBatch(8)
    await failWith(c.slice(0, 3), 'overloaded')
    await failWith(c.slice(3, 4), 'timeout')
    await failWith(c.slice(4, 6), null)
    await failWith(c.slice(6, 7), 'overloaded')
    await database.db.updateTable('conversations').set({ deleted_at: new Date() }).where('id', '=', c[6]!).execute()

    const { failed_by_code } = await recovery()
    expect(failed_by_code.map(({ code, count }) => ({ code, count }))).toEqual([
      { code: 'overloaded', count: 3 },
      { code: 'unknown', count: 2 },
      { code: 'timeout', count: 1 },
    ])
    expect(failed_by_code[0]).toMatchObject({ title: 'Claude was overloaded.', action: expect.stringContaining('Recovery') })

    const other = await startBatch(2)
    await failWith(other.conversations, 'timeout')
    expect((await recovery(`?batch_id=${other.id}`)).failed_by_code).toEqual([expect.objectContaining({ code: 'timeout', count: 2 })])
    expect((await recovery(`?batch_id=${id}`)).failed_by_code.find((g) => g.code === 'timeout')?.count).toBe(1)

    const page = await (await app.request('/recovery', { headers: { cookie: editor } })).text()
    expect(page).toContain('Claude was overloaded.')
    expect(page).toContain('Retry all 3')
    expect(page).toContain('href="/recovery"')
  })

  test('retry all of a group answers at once with how many, then a job requeues exactly that group and they are generated', async () => {
    const { id, conversations: c } = await startBatch(6)
    await failWith(c.slice(0, 3), 'overloaded')
    await failWith(c.slice(3, 5), 'timeout')
    await database.db.updateTable('conversations').set({ status: 'pending_review' }).where('id', '=', c[5]!).execute()
    await database.db.updateTable('batches').set({ status: 'done', finished_at: new Date() }).where('id', '=', id).execute()

    const res = await post('/api/recovery/retry', { code: 'overloaded' })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ queued: 3 })
    // Queued as a job: nothing changed yet.
    expect(await countJobs(database, 'retry_failed')).toBe(1)
    expect(await statusOf(c.slice(0, 3))).toEqual(['failed', 'failed', 'failed'])

    await worker()
    await waitFor(async () => (await statusOf(c.slice(0, 3))).every((s) => s === 'pending_review'), 20_000, 'the group to be generated')
    // The batch ran again for them and is done once more.
    await waitFor(async () => (await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done')
    expect(await statusOf(c.slice(3, 5))).toEqual(['failed', 'failed'])
    expect((await recovery()).failed_by_code).toEqual([expect.objectContaining({ code: 'timeout', count: 2 })])
  }, 40_000)

  test('a group larger than a chunk is requeued chunk by chunk, every conversation exactly once, by a chain of keyed jobs', async () => {
    const total = RETRY_CHUNK * 2 + 37
    const { conversations } = await startBatch(total)
    await sql`truncate graphile_worker._private_jobs`.execute(database.db)
    await failWith(conversations, 'server_error')
    const keep = await startBatch(1)
    await failWith(keep.conversations, 'server_error')

    const res = await post('/api/recovery/retry', { code: 'server_error', batch_id: await batchOf(conversations[0]!) })
    expect(await res.json()).toEqual({ queued: total })
    // Only the retry task runs here: the generation jobs it adds stay in the queue to be counted.
    await runOnce({ pgPool: database.pool, taskList: { retry_failed: taskList(deps).retry_failed! } })
    const { rows } = await sql<{ status: string; n: number }>`
      select status, count(*)::int as n from conversations where batch_id = ${await batchOf(conversations[0]!)}::uuid group by status`.execute(database.db)
    expect(rows).toEqual([{ status: 'queued', n: total }])
    expect(await countJobs(database, 'generate_conversation')).toBe(total)
    expect(await countJobs(database, 'retry_failed')).toBe(0)
    expect(await statusOf(keep.conversations)).toEqual(['failed'])
  }, 60_000)

  test('without JavaScript, retry shows how many first, changes nothing until confirmed, then says what it did', async () => {
    const { conversations: c } = await startBatch(2)
    await failWith(c, 'timeout')
    const ask = await app.request('/recovery/retry', form({ code: 'timeout', stuck_minutes: '10' }, { cookie: editor }))
    expect(ask.status).toBe(200)
    const question = await ask.text()
    expect(question).toContain('2 failed conversation(s)')
    expect(question).toContain('name="confirmed" value="true"')
    expect(question).toContain('name="code" value="timeout"')
    expect(await countJobs(database, 'retry_failed')).toBe(0)

    const done = await app.request('/recovery/retry', form({ code: 'timeout', stuck_minutes: '10', confirmed: 'true' }, { cookie: editor }))
    expect(done.status).toBe(303)
    const location = done.headers.get('location')!
    expect(location).toContain('done=retry_queued')
    expect(await countJobs(database, 'retry_failed')).toBe(1)
    const page = await (await app.request(location, { headers: { cookie: editor } })).text()
    expect(page).toContain('2 failed conversation(s) are being queued again')
  })

  test('with htmx, retry asks inline, then answers with the sections and a toast', async () => {
    const { conversations: c } = await startBatch(1)
    await failWith(c, 'timeout')
    const ask = await htmx('/recovery/retry', { code: 'timeout', stuck_minutes: '10' })
    const inline = await ask.text()
    expect(inline).toContain('class="confirm"')
    expect(inline).not.toContain('<html')
    const done = await htmx('/recovery/retry', { code: 'timeout', stuck_minutes: '10', confirmed: 'true' })
    expect(done.status).toBe(200)
    expect(await done.text()).toContain('id="recovery"')
    expect(JSON.parse(done.headers.get('hx-trigger')!)).toEqual({ toast: { kind: 'success', message: 'Retrying 1 “timeout” conversation(s).' } })
  })
})

async function batchOf(conversationId: string): Promise<string> {
  const row = await database.db.selectFrom('conversations').select('batch_id').where('id', '=', conversationId).executeTakeFirstOrThrow()
  return row.batch_id!
}

describe('stuck batches', () => {
  test('a running batch with nothing finished for N minutes is listed, resumed after a confirmation, and then finishes', async () => {
    const { id, conversations: c } = await startBatch(4)
    // A worker finished one 30 minutes ago, then died holding another; the jobs of the rest were lost.
    await sql`truncate graphile_worker._private_jobs`.execute(database.db)
    await sql`update conversations set status = 'pending_review', updated_at = now() - interval '30 minutes' where id = ${c[0]}::uuid`.execute(database.db)
    await sql`update conversations set status = 'generating', attempts = 1, updated_at = now() - interval '25 minutes' where id = ${c[1]}::uuid`.execute(
      database.db,
    )
    await sql`update batches set updated_at = now() - interval '40 minutes' where id = ${id}::uuid`.execute(database.db)

    expect((await recovery()).stuck_batches).toEqual([expect.objectContaining({ id, queued: 2, generating: 1, stale_generating: 1 })])
    expect((await recovery('?stuck_minutes=60')).stuck_batches).toEqual([])

    const ask = await app.request(`/recovery/batches/${id}/resume`, form({ stuck_minutes: '10' }, { cookie: editor }))
    expect(await ask.text()).toContain('1 conversation(s) generating for more than 10 minute(s) are released')
    expect(await statusOf([c[1]!])).toEqual(['generating'])
    expect(await countJobs(database)).toBe(0)

    const done = await app.request(`/recovery/batches/${id}/resume`, form({ stuck_minutes: '10', confirmed: 'true' }, { cookie: editor }))
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toContain('done=resumed&n=3&released=1')
    expect(await countJobs(database)).toBe(3)
    // Resumed just now: not listed again while it gets going.
    expect((await recovery()).stuck_batches).toEqual([])

    await worker()
    await waitFor(
      async () => (await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done',
      20_000,
      'the resumed batch to finish',
    )
    expect(await statusOf(c)).toEqual(['pending_review', 'pending_review', 'pending_review', 'pending_review'])
  }, 40_000)

  test('a paused batch is not resumed from here: 409 and nothing changes', async () => {
    const { id } = await startBatch(2)
    expect((await post(`/api/batches/${id}/pause`, {})).status).toBe(200)
    const res = await post(`/api/recovery/batches/${id}/resume`, {})
    expect(res.status).toBe(409)
    expect(await countJobs(database)).toBe(0)
    expect((await database.db.selectFrom('batches').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('paused')
  })
})

describe('exports that failed or expired', () => {
  test('a failed export is listed and runs again as a new export with the same format, scope and options', async () => {
    await insertConversation(database.db, {
      turns: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
      ],
    })
    const options = { include_metadata: false, include_system_prompt: true, only_non_simulated: false, validation_percent: 0, split_seed: 'x', gzip: false }
    const failed = await database.db
      .insertInto('exports')
      .values({ format: 'sharegpt', scope: JSON.stringify({ status: ['approved'] }), options: JSON.stringify(options), report: '{}', created_by: admin.id })
      .returning('id')
      .executeTakeFirstOrThrow()
    await database.db.updateTable('exports').set({ status: 'failed', error: 'The disk was full.' }).where('id', '=', failed.id).execute()
    expect((await recovery()).exports).toEqual([expect.objectContaining({ id: failed.id, status: 'failed', format: 'sharegpt' })])

    const ask = await htmx(`/recovery/exports/${failed.id}/rerun`, { stuck_minutes: '10' })
    expect(await ask.text()).toContain('Run the sharegpt export again?')
    expect(await database.db.selectFrom('exports').select('id').execute()).toHaveLength(1)

    const done = await htmx(`/recovery/exports/${failed.id}/rerun`, { stuck_minutes: '10', confirmed: 'true' })
    expect(done.status).toBe(200)
    const shown = JSON.parse(done.headers.get('hx-trigger')!) as { toast: { link: { href: string } } }
    const newId = shown.toast.link.href.split('/').at(-1)!
    const again = await database.db.selectFrom('exports').selectAll().where('id', '=', newId).executeTakeFirstOrThrow()
    expect(again).toMatchObject({ format: 'sharegpt', scope: { status: ['approved'] }, options })
    await runExport(deps, newId)
    const finished = (await (await app.request(`/api/exports/${newId}`, { headers: { cookie: editor } })).json()) as { status: string; count: number }
    expect(finished).toMatchObject({ status: 'done', count: 1 })
    // Run again once: no longer offered.
    expect((await recovery()).exports).toEqual([])
  })
})

describe('jobs graphile-worker gave up on', () => {
  /** A job that fails for good: vacuum_table refuses a table it does not know, with one attempt allowed. */
  async function failingJob(): Promise<string> {
    await sql`select graphile_worker.add_job('vacuum_table', '{"table": "no_such_table"}'::json, max_attempts => 1)`.execute(database.db)
    await runOnce({ pgPool: database.pool, taskList: taskList(deps) })
    const { jobs } = await recovery()
    expect(jobs).toEqual([expect.objectContaining({ task_identifier: 'vacuum_table', attempts: 1, max_attempts: 1, last_error: expect.any(String) })])
    return jobs[0]!.id
  }

  test('can be retried (attempts reset, due now) and then deleted', async () => {
    const id = await failingJob()
    const retried = await post(`/api/recovery/jobs/${id}/retry`, {})
    expect(retried.status).toBe(200)
    const { rows } = await sql<{ attempts: number; due: boolean }>`
      select attempts, run_at <= now() as due from graphile_worker.jobs where id = ${id}::bigint`.execute(database.db)
    expect(rows).toEqual([{ attempts: 0, due: true }])
    expect((await recovery()).jobs).toEqual([])
    // Retrying what is no longer given up on is a 404, not a second run.
    expect((await post(`/api/recovery/jobs/${id}/retry`, {})).status).toBe(404)

    await runOnce({ pgPool: database.pool, taskList: taskList(deps) })
    expect((await recovery()).jobs.map((j) => j.id)).toEqual([id])
    const ask = await app.request(`/recovery/jobs/${id}/delete`, form({ stuck_minutes: '10' }, { cookie: editor }))
    expect(await ask.text()).toContain(`Delete job ${id} (vacuum_table)?`)
    const deleted = await app.request(`/recovery/jobs/${id}/delete`, form({ stuck_minutes: '10', confirmed: 'true' }, { cookie: editor }))
    expect(deleted.headers.get('location')).toContain('done=job_deleted')
    expect(await countJobs(database, 'vacuum_table')).toBe(0)
  })

  test('a job still running or waiting is neither retried nor deleted from here', async () => {
    await sql`select graphile_worker.add_job('vacuum_table', '{}'::json, run_at => now() + interval '1 hour')`.execute(database.db)
    const { rows } = await sql<{ id: string }>`select id::text as id from graphile_worker.jobs`.execute(database.db)
    const res = await app.request(`/api/recovery/jobs/${rows[0]!.id}`, { method: 'DELETE', headers: { cookie: editor, origin: ORIGIN } })
    expect(res.status).toBe(404)
    expect(await countJobs(database, 'vacuum_table')).toBe(1)
    expect((await post('/api/recovery/jobs/abc/retry', {})).status).toBe(404)
  })
})

describe('who may use it', () => {
  test('editors and admins see Recovery in the navigation; viewers and reviewers are refused and nothing changes', async () => {
    const { conversations } = await startBatch(1)
    await failWith(conversations, 'timeout')
    const home = await (await app.request('/', { headers: { cookie: editor } })).text()
    expect(home).toContain('href="/recovery"')
    for (const role of ['viewer', 'reviewer'] as const) {
      const cookie = await signIn(app, await makeUser(database, role))
      expect(await (await app.request('/', { headers: { cookie } })).text()).not.toContain('href="/recovery"')
      expect((await app.request('/recovery', { headers: { cookie } })).status).toBe(403)
      expect((await app.request('/api/recovery', { headers: { cookie } })).status).toBe(403)
      expect((await post('/api/recovery/retry', { code: 'timeout' }, cookie)).status).toBe(403)
      expect((await app.request('/recovery/retry', form({ code: 'timeout', confirmed: 'true' }, { cookie }))).status).toBe(403)
    }
    expect(await countJobs(database, 'retry_failed')).toBe(0)
    expect(await statusOf(conversations)).toEqual(['failed'])
  })
})

describe('bad input', () => {
  test('is a 400 naming the field, and changes nothing', async () => {
    const { conversations } = await startBatch(1)
    await failWith(conversations, 'timeout')
    const cases: [unknown, string][] = [
      [{}, 'code'],
      [{ code: 'Not A Code!' }, 'code'],
      [{ code: 42 }, 'code'],
      [{ code: 'timeout', batch_id: 'yesterday' }, 'batch_id'],
    ]
    for (const [body, field] of cases) {
      const res = await post('/api/recovery/retry', body)
      expect(res.status).toBe(400)
      const { error } = (await res.json()) as { error: { fields: Record<string, string> } }
      expect(Object.keys(error.fields)).toEqual([field])
    }
    for (const [query, field] of [
      ['?stuck_minutes=0', 'stuck_minutes'],
      ['?stuck_minutes=soon', 'stuck_minutes'],
      ['?batch_id=nope', 'batch_id'],
    ]) {
      const res = await app.request(`/api/recovery${query}`, { headers: { cookie: editor } })
      expect(res.status).toBe(400)
      expect(Object.keys(((await res.json()) as { error: { fields: Record<string, string> } }).error.fields)).toEqual([field])
    }
    expect(await countJobs(database, 'retry_failed')).toBe(0)
    expect(await statusOf(conversations)).toEqual(['failed'])
  })

  test('a code with nothing failed (or not on the list at all) queues nothing and answers queued: 0', async () => {
    for (const code of ['overloaded', 'no_such_code']) {
      const res = await post('/api/recovery/retry', { code })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ queued: 0 })
    }
    expect(await countJobs(database, 'retry_failed')).toBe(0)
  })
})
