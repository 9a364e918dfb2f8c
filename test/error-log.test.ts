import { Writable } from 'node:stream'
import { sql } from 'kysely'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { createApp } from '../src/app'
import { connect } from '../src/db/connect'
import type { Deps } from '../src/deps'
import { ERROR_CODES, isErrorCode } from '../src/error-codes'
import { recordError } from '../src/error-log/record'
import { createLogger } from '../src/log'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import type { FakeAnthropic } from './fake-anthropic/server'
import { type App, form, json, makeUser, ORIGIN, signIn, type TestUser, useApp } from './helpers/app'
import { emptyJobQueue, type TestDatabase } from './helpers/db'
import { makeTemplate, setAiSettings, useFakeAnthropic, viaFake, waitFor } from './helpers/generation'

let database: TestDatabase
let app: App
let deps: Deps
let admin: TestUser
let adminCookie: string
let fake: FakeAnthropic
let viewer: string
const workers: WorkerHandle[] = []

useFakeAnthropic((f) => (fake = f))
useApp('admin', (t) => ({ database, app, deps, user: admin, cookie: adminCookie } = t), { env: () => viaFake(fake) })
beforeEach(async () => {
  await emptyJobQueue(database)
  viewer = await signIn(app, await makeUser(database, 'viewer'))
})
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()))
  // Whatever a test made the app store, every code is one of the documented list.
  const { rows } = await sql<{ code: string }>`
    select code from error_logs union select error_code from conversations where error_code is not null
    union select code from generation_attempts where code is not null`.execute(database.db)
  for (const { code } of rows) expect(isErrorCode(code), `stored code ${code}`).toBe(true)
})

const REFERENCE = /^E-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$/
const asJson = (cookie: string) => ({ headers: { cookie, accept: 'application/json' } })

/** Takes a table a route reads away for the length of `run`, so the route meets an error nobody planned for. */
async function withoutTable<T>(table: string, run: () => T | Promise<T>): Promise<T> {
  await sql`alter table ${sql.table(table)} rename to ${sql.table(`${table}_away`)}`.execute(database.db)
  try {
    return await run()
  } finally {
    await sql`alter table ${sql.table(`${table}_away`)} rename to ${sql.table(table)}`.execute(database.db)
  }
}

type ErrorItem = {
  id: string
  reference: string
  code: string
  severity: string
  area: string
  message: string
  context: Record<string, unknown>
  created_at: string
}
type ErrorList = { items: ErrorItem[]; next_cursor: string | null }

async function listed(query = '', cookie = adminCookie): Promise<ErrorList> {
  const res = await app.request(`/api/admin/errors${query}`, asJson(cookie))
  expect(res.status, await res.clone().text()).toBe(200)
  return (await res.json()) as ErrorList
}

describe('an unexpected error in a request', () => {
  test('answers 500 with a reference (JSON, page, htmx fragment and toast) that the error log lists with its context', async () => {
    const [api, page, fragment] = await withoutTable('documents', async () => [
      await app.request('/api/documents', asJson(adminCookie)),
      await app.request('/documents', { headers: { cookie: adminCookie } }),
      await app.request('/documents', { headers: { cookie: adminCookie, 'hx-request': 'true' } }),
    ])
    expect(api.status).toBe(500)
    const body = (await api.json()) as { error: { code: string; message: string; reference: string } }
    expect(body.error).toMatchObject({ code: 'internal_error', message: 'Something went wrong on our side. It has been logged.' })
    expect(body.error.reference).toMatch(REFERENCE)

    expect(page.status).toBe(500)
    const pageReference = /Reference <a href="\/errors\/(E-[A-Z0-9]{8})">/.exec(await page.text())?.[1]
    expect(pageReference).toMatch(REFERENCE)

    expect(fragment.status).toBe(500)
    const fragmentHtml = await fragment.text()
    expect(fragmentHtml).not.toContain('<html')
    const trigger = JSON.parse(fragment.headers.get('hx-trigger') ?? '{}') as { toast?: { kind: string; reference: string; message: string } }
    expect(trigger.toast).toMatchObject({ kind: 'error', message: 'Something went wrong on our side. It has been logged.' })
    expect(fragmentHtml).toContain(`/errors/${trigger.toast?.reference}`)

    const { items } = await listed()
    expect(items.map((i) => i.reference).sort()).toEqual([body.error.reference, pageReference, trigger.toast?.reference].sort())
    const entry = items.find((i) => i.reference === body.error.reference)!
    expect(entry).toMatchObject({ code: 'internal_error', severity: 'error', area: 'request' })
    expect(entry.message).toMatch(/relation "documents" does not exist/)
    expect(entry.context).toEqual({ route: '/api/documents', method: 'GET', status: 500, user_id: admin.id })
    expect(entry).not.toHaveProperty('stack')

    const logPage = await (await app.request('/admin/errors', { headers: { cookie: adminCookie } })).text()
    expect(logPage).toContain(`href="/errors/${entry.reference}"`)
    expect(logPage).toContain('Something went wrong on our side.')
  })

  test('its details page tells anyone signed in what happened and what to do; only admins see the message, context and stack', async () => {
    const res = await withoutTable('documents', () => app.request('/api/documents', asJson(viewer)))
    const { reference } = ((await res.json()) as { error: { reference: string } }).error
    const { title, action } = ERROR_CODES.internal_error

    const forAdmin = await app.request(`/errors/${reference}`, { headers: { cookie: adminCookie } })
    expect(forAdmin.status).toBe(200)
    const adminHtml = await forAdmin.text()
    expect(adminHtml).toContain(title)
    expect(adminHtml).toContain(reference)
    expect(adminHtml).toContain('relation &quot;documents&quot; does not exist')
    expect(adminHtml).toMatch(/<pre class="stack">[^<]*\n\s+at /)

    const forViewer = await app.request(`/errors/${reference.toLowerCase()}`, { headers: { cookie: viewer } })
    expect(forViewer.status).toBe(200)
    const viewerHtml = await forViewer.text()
    expect(viewerHtml).toContain(title)
    expect(viewerHtml).toContain(action.replace("'", '&#39;'))
    expect(viewerHtml).toContain(reference)
    expect(viewerHtml).not.toContain('does not exist')
    expect(viewerHtml).not.toContain('class="stack"')
    const viewerJson = (await (await app.request(`/errors/${reference}`, asJson(viewer))).json()) as Record<string, unknown>
    expect(viewerJson).toMatchObject({ reference, code: 'internal_error', title, action })
    expect(viewerJson).not.toHaveProperty('stack')
    expect(viewerJson).not.toHaveProperty('message')

    for (const unknown of ['E-22222222', 'E-0O1IL000', 'not-a-reference']) {
      expect((await app.request(`/errors/${unknown}`, { headers: { cookie: viewer } })).status).toBe(404)
    }
  })

  test('when the log cannot be written, the original error is still answered with its reference, and both go to stdout', async () => {
    const lines: string[] = []
    const stdout = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const logged = createApp({ ...deps, log: pino({ level: 'info' }, stdout) })
    const res = await withoutTable('error_logs', () => withoutTable('documents', () => logged.request('/api/documents', asJson(adminCookie))))
    expect(res.status).toBe(500)
    const { error } = (await res.json()) as { error: { code: string; reference: string } }
    expect(error.code).toBe('internal_error')
    expect(error.reference).toMatch(REFERENCE)
    const failedWrite = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.msg === 'could not write to the error log')
    expect(failedWrite).toMatchObject({ reference: error.reference, code: 'internal_error', writeFailed: expect.stringMatching(/error_logs/) })
    expect(failedWrite?.message).toMatch(/relation "documents" does not exist/)
    expect(await database.db.selectFrom('error_logs').selectAll().execute()).toEqual([])

    // A database handle that is gone altogether: recordError still returns a reference, never throws.
    const gone = connect(database.url, createLogger('silent'), 1)
    await gone.pool.end()
    const reference = await recordError(gone.db, pino({ level: 'info' }, stdout), { code: 'job_failed', message: 'the original', context: { task: 'x' } })
    expect(reference).toMatch(REFERENCE)
    expect(lines.join('')).toContain(reference)
  })
})

describe('the error log', () => {
  /** Entries of several kinds, `days` old, through the one writer. */
  async function seed(entries: Array<{ code: keyof typeof ERROR_CODES; message: string; daysAgo?: number; severity?: 'critical' }>): Promise<string[]> {
    const references: string[] = []
    for (const entry of entries) {
      const reference = await recordError(deps.db, deps.log, { code: entry.code, message: entry.message, severity: entry.severity, context: {} })
      if (entry.daysAgo) {
        await database.db
          .updateTable('error_logs')
          .set({ created_at: sql`now() - make_interval(days => ${entry.daysAgo}::int)` })
          .where('reference', '=', reference)
          .execute()
      }
      references.push(reference)
    }
    return references
  }

  test('filters by code, severity, area and dates, searches references, codes and words, and pages newest first', async () => {
    const [oldExport, recentJob, budget, critical] = await seed([
      { code: 'export_failed', message: 'The disk holding /data is full (ENOSPC)', daysAgo: 10 },
      { code: 'job_failed', message: 'The ingest_document job failed for good after 25 attempt(s)', daysAgo: 1 },
      { code: 'retry_budget_exhausted', message: 'Claude is overloaded right now. Gave up after 4 attempt(s)' },
      { code: 'internal_error', message: 'Cannot read properties of undefined', severity: 'critical' },
    ])
    const refs = async (query: string) => (await listed(query)).items.map((i) => i.reference)

    expect(await refs('')).toEqual([critical, budget, recentJob, oldExport])
    expect(await refs('?code=export_failed')).toEqual([oldExport])
    expect(await refs('?severity=critical')).toEqual([critical])
    expect(await refs('?severity=error')).toEqual([budget, recentJob, oldExport])
    expect(await refs('?area=jobs')).toEqual([recentJob])
    expect(await refs('?area=generation&severity=error')).toEqual([budget])
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)
    expect(await refs(`?from=${day(2)}&to=${day(1)}`)).toEqual([recentJob])
    expect(await refs(`?to=${day(5)}`)).toEqual([oldExport])
    expect(await refs('?q=overloaded')).toEqual([budget])
    expect(await refs('?q=ENOSPC')).toEqual([oldExport])
    expect(await refs('?q=job_failed')).toEqual([recentJob])
    expect(await refs(`?q=${critical!.toLowerCase()}`)).toEqual([critical])
    expect(await refs('?q=nothing+like+this')).toEqual([])

    const seen: string[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const page: ErrorList = await listed(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...page.items.map((i) => i.reference))
      cursor = page.next_cursor
    }
    expect(seen).toEqual([critical, budget, recentJob, oldExport])

    // The page offers the same filters; its rows link to the details.
    const html = await (await app.request('/admin/errors?severity=critical', { headers: { cookie: adminCookie } })).text()
    expect(html).toContain(`href="/errors/${critical}"`)
    expect(html).not.toContain(budget)
    expect(html).toContain('<option value="critical" selected="">critical</option>')
  })

  test('the page shows as many rows as the preferences ask for, with a link to the older ones', async () => {
    await seed(Array.from({ length: 12 }, (_, i) => ({ code: 'job_failed' as const, message: `job ${i}` })))
    await app.request('/api/me/preferences', json({ rows_per_page: 10 }, { cookie: adminCookie, origin: ORIGIN }, 'PUT'))
    const html = await (await app.request('/admin/errors', { headers: { cookie: adminCookie } })).text()
    expect(html.match(/data-reference=/g)).toHaveLength(10)
    const older = /href="(\/admin\/errors\?[^"]*cursor=[^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&')
    expect(older).toBeDefined()
    const rest = await (await app.request(older!, { headers: { cookie: adminCookie } })).text()
    expect(rest.match(/data-reference=/g)).toHaveLength(2)
  })

  test('bad filter values are a 400 naming the field', async () => {
    for (const [query, field] of [
      ['code=no_such_code', 'code'],
      ['severity=loud', 'severity'],
      ['area=kitchen', 'area'],
      ['from=yesterday', 'from'],
      ['to=2026-13-45', 'to'],
      ['limit=0', 'limit'],
      ['cursor=bm90IGEgY3Vyc29y', 'cursor'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const res = await app.request(`/api/admin/errors?${query}`, asJson(adminCookie))
      expect(res.status, query).toBe(400)
      const { error } = (await res.json()) as { error: { fields: Record<string, string> } }
      expect(Object.keys(error.fields), query).toEqual([field])
    }
    expect((await app.request('/admin/errors?severity=loud', { headers: { cookie: adminCookie } })).status).toBe(400)
  })

  test('only admins read the log', async () => {
    await seed([{ code: 'job_failed', message: 'x' }])
    const editor = await signIn(app, await makeUser(database, 'editor'))
    for (const cookie of [viewer, editor]) {
      expect((await app.request('/api/admin/errors', asJson(cookie))).status).toBe(403)
      expect((await app.request('/admin/errors', { headers: { cookie } })).status).toBe(403)
    }
    expect((await app.request('/api/admin/errors')).status).toBe(401)
    const nav = await (await app.request('/settings/preferences', { headers: { cookie: adminCookie } })).text()
    expect(nav).toContain('href="/admin/errors"')
    expect(await (await app.request('/settings/preferences', { headers: { cookie: viewer } })).text()).not.toContain('href="/admin/errors"')
  })

  test('the retention task deletes, in batches, only the entries older than the retention setting', async () => {
    const [kept] = await seed([{ code: 'job_failed', message: 'recent enough', daysAgo: 9 }])
    // Past the batch size of the cleanup, so it takes more than one delete.
    await sql`insert into error_logs (reference, code, severity, area, message, created_at)
      select 'E-OLD' || g, 'job_failed', 'error', 'jobs', 'old', now() - interval '11 days' - g * interval '1 second'
      from generate_series(1, 12000) g`.execute(database.db)
    await sql`insert into retention_settings (error_log_days) values (10) on conflict (id) do update set error_log_days = 10`.execute(database.db)
    await sql`select graphile_worker.add_job('clean_error_log')`.execute(database.db)
    workers.push(await startWorker(deps, database.pool))
    const left = await waitFor(async () => {
      const rows = await database.db.selectFrom('error_logs').select('reference').execute()
      return rows.length === 1 ? rows : undefined
    }, 20_000)
    expect(left).toEqual([{ reference: kept }])
  })
})

describe('errors outside requests', () => {
  async function worker(): Promise<WorkerHandle> {
    const handle = await startWorker(deps, database.pool)
    workers.push(handle)
    return handle
  }

  test('a generation that outlasts its retry budget logs retry_budget_exhausted, and its page lists every attempt and the retries', async () => {
    const editor = await signIn(app, await makeUser(database, 'editor'))
    await setAiSettings(database, admin.id, { requests_per_minute: 100_000, max_concurrency: 10, timeout_ms: 5_000, retry_budget_minutes: 0 })
    const template = await makeTemplate(app, editor)
    fake.enqueue({ kind: 'overloaded' })
    const batch = await app.request('/api/batches', json({ template_id: template.id, count_per_item: 1 }, { cookie: editor, origin: ORIGIN }))
    const { id: batchId } = (await batch.json()) as { id: string }
    await worker()
    const failed = await waitFor(async () => {
      const row = await database.db.selectFrom('conversations').selectAll().where('batch_id', '=', batchId).executeTakeFirst()
      return row?.status === 'failed' ? row : undefined
    })
    expect(failed).toMatchObject({ error_code: 'overloaded', retry_count: 0 })
    expect(failed.last_error_at).not.toBeNull()

    const { items } = await listed('?code=retry_budget_exhausted')
    expect(items).toHaveLength(1)
    expect(items[0]!.context).toMatchObject({ conversation_id: failed.id, batch_id: batchId, cause: 'overloaded' })
    expect(items[0]!.message).toMatch(/overloaded.*retry budget is 0 minute/)
    expect(failed.error_details).toMatchObject({ reference: items[0]!.reference, retry_budget_exhausted: true })

    // Retried by hand with a budget again: one more transient error, then a result.
    await setAiSettings(database, admin.id, { retry_budget_minutes: 30 })
    fake.enqueue({ kind: 'server_error' })
    expect((await app.request(`/conversations/${failed.id}/retry`, form({}, { cookie: editor }))).status).toBe(303)
    const done = await waitFor(async () => {
      const row = await database.db.selectFrom('conversations').selectAll().where('id', '=', failed.id).executeTakeFirst()
      return row?.status === 'pending_review' ? row : undefined
    })
    expect(done).toMatchObject({ retry_count: 2, error_code: null, error_details: null })

    const attempts = await database.db
      .selectFrom('generation_attempts')
      .select(['attempt', 'outcome', 'code'])
      .where('conversation_id', '=', failed.id)
      .orderBy('attempt')
      .execute()
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'failed', code: 'overloaded' },
      { attempt: 2, outcome: 'retrying', code: 'server_error' },
      { attempt: 3, outcome: 'generated', code: null },
    ])
    const page = await (await app.request(`/conversations/${failed.id}/generation`, { headers: { cookie: viewer } })).text()
    expect(page).toContain('3 attempt(s); sent back to the queue 2 time(s) after an error.')
    expect(page.match(/<tr data-outcome="(\w+)"/g)).toEqual(['<tr data-outcome="failed"', '<tr data-outcome="retrying"', '<tr data-outcome="generated"'])
    expect(page).toContain(ERROR_CODES.overloaded.title)
    expect(page).toContain(ERROR_CODES.server_error.title)
    expect(page).toContain(`href="/errors/${items[0]!.reference}"`)
  })

  test('a job is logged as job_failed, with its task and ids, once its last attempt fails: not before', async () => {
    // Payloads the task refuses, so every attempt throws: one job with a single attempt, one with three.
    await sql`select graphile_worker.add_job('ingest_document', json_build_object('documentId', 'three-tries'), max_attempts := 3)`.execute(database.db)
    await sql`select graphile_worker.add_job('ingest_document', json_build_object('documentId', 'one-try'), max_attempts := 1)`.execute(database.db)
    await worker()
    const { items } = await waitFor(async () => {
      const list = await listed('?code=job_failed')
      return list.items.length >= 1 ? list : undefined
    })
    await waitFor(async () => {
      const { rows } = await sql<{ attempts: number }>`select attempts from graphile_worker.jobs where max_attempts = 3`.execute(database.db)
      return rows[0] && rows[0].attempts >= 1
    })
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ code: 'job_failed', severity: 'error', area: 'jobs' })
    expect(items[0]!.context).toMatchObject({ task: 'ingest_document', attempts: 1, document_id: 'one-try' })
    expect((await listed('?code=job_failed')).items).toHaveLength(1)
  })
})
