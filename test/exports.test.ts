import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { open } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, test, vi } from 'vitest'
import { createApiToken } from '../src/auth/tokens'
import { seedConversations } from '../src/conversations/seed'
import type { Deps } from '../src/deps'
import { expireExports } from '../src/exports/retention'
import { runExport } from '../src/exports/run-export'
import { startWorker, type WorkerHandle } from '../src/worker/runner'
import { type App, form, json, makeUser, signIn, type TestUser, testApp, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { download, type ExportJson, insertConversation } from './helpers/export-fixtures'

let database: TestDatabase
let app: App
let deps: Deps
let editor: TestUser
let auth: Record<string, string>
let cookie: string
let worker: WorkerHandle | undefined

const TURNS = [
  { role: 'user', content: 'Where is my parcel?' },
  { role: 'assistant', content: 'It left the depot this morning.' },
]

useApp('editor', (t) => ({ database, app, deps, user: editor, cookie } = t))
beforeEach(async () => {
  await database.pool.query('delete from graphile_worker._private_jobs')
  auth = { authorization: `Bearer ${(await createApiToken(database.db, editor.id, { name: 'pipeline', scope: 'write' })).token}` }
  rmSync(deps.config.exportDir, { recursive: true, force: true })
})
afterEach(async () => {
  await worker?.stop()
  worker = undefined
})

const exportDir = () => deps.config.exportDir
const finalFiles = () => (existsSync(exportDir()) ? readdirSync(exportDir()) : [])

async function start(body: unknown, headers = auth): Promise<string> {
  const res = await app.request('/api/exports', json(body, headers))
  expect(res.status, await res.clone().text()).toBe(202)
  return ((await res.json()) as { id: string }).id
}

async function shown(id: string): Promise<ExportJson> {
  const res = await app.request(`/api/exports/${id}`, { headers: auth })
  expect(res.status).toBe(200)
  return res.json()
}

async function settled(id: string, timeoutMs = 20_000): Promise<ExportJson> {
  return vi.waitFor(
    async () => {
      const row = await shown(id)
      if (['queued', 'running'].includes(row.status)) throw new Error(`export ${id} still ${row.status}`)
      return row
    },
    { timeout: timeoutMs, interval: 25 },
  )
}

async function approved(n: number): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push(await insertConversation(database.db, { turns: TURNS, title: `Parcel ${i}` }))
  return ids
}

test('a pipeline starts an export with a token, polls it and downloads the finished file; row and job were created together', async () => {
  await approved(3)
  await insertConversation(database.db, { turns: TURNS, status: 'pending_review' })
  const started = Date.now()
  const id = await start({ format: 'openai' })
  // The row and its job were committed together.
  const job = await database.pool.query(`select key, payload from graphile_worker._private_jobs`)
  expect(job.rows).toEqual([{ key: `export:${id}`, payload: { exportId: id } }])
  expect((await shown(id)).status).toBe('queued')
  worker = await startWorker(deps, database.pool)
  const done = await settled(id)
  expect(Date.now() - started).toBeLessThan(5000)
  expect(done).toMatchObject({ status: 'done', count: 3, bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
  // The default scope is every approved conversation.
  const row = await database.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.scope).toEqual({ status: ['approved'] })
  expect(row.created_by).toBe(editor.id)
  const { res, bytes } = await download(app, `/api/exports/${id}/download`, auth)
  expect(res.status).toBe(200)
  expect(bytes.toString('utf8').trimEnd().split('\n')).toHaveLength(3)
  expect(res.headers.get('content-disposition')).toContain('attachment; filename="train-data-openai-')
})

test('an unknown format is refused with a 400 that names the allowed formats, and nothing is created', async () => {
  await approved(1)
  const res = await app.request('/api/exports', json({ format: 'parquet' }, auth))
  expect(res.status).toBe(400)
  const body = (await res.json()) as { error: { message: string; fields: Record<string, string> } }
  expect(body.error.fields.format).toBe('must be one of openai, bedrock, sharegpt, hf, json, csv, markdown')
  expect(body.error.message).toContain('openai, bedrock, sharegpt, hf, json, csv, markdown')
  expect(await database.db.selectFrom('exports').selectAll().execute()).toEqual([])
})

test('a misspelt scope field or option is refused rather than silently exporting everything approved', async () => {
  await approved(1)
  const scope = await app.request('/api/exports', json({ format: 'openai', scope: { statuses: ['rejected'] } }, auth))
  expect(scope.status).toBe(400)
  expect(((await scope.json()) as { error: { message: string } }).error.message).toContain('unknown scope field statuses')
  const option = await app.request('/api/exports', json({ format: 'openai', options: { gzipped: true } }, auth))
  expect(option.status).toBe(400)
  expect(((await option.json()) as { error: { message: string } }).error.message).toContain('unknown option gzipped')
  expect(await database.db.selectFrom('exports').selectAll().execute()).toEqual([])
})

test('conversations selected on the dashboard arrive as one comma-separated list and are exported exactly', async () => {
  const ids = await approved(3)
  const html = await (await app.request(`/exports/new?conversation_ids=${ids[0]},${ids[2]}`, { headers: { cookie } })).text()
  expect(html).toContain('The 2 selected')
  expect(html).toContain('<strong>2</strong> conversations in scope')
  const res = await app.request('/exports', form({ format: 'hf', scope_kind: 'selected', conversation_ids: `${ids[0]},${ids[2]}` }, { cookie }))
  expect(res.status).toBe(303)
  const row = await database.db.selectFrom('exports').selectAll().executeTakeFirstOrThrow()
  expect(row.scope).toEqual({ conversation_ids: [ids[0], ids[2]] })
})

test('an empty scope is refused with a clear message: no export, no job, no empty file', async () => {
  await insertConversation(database.db, { turns: TURNS, status: 'pending_review' })
  const res = await app.request('/api/exports', json({ format: 'csv', scope: { status: ['approved'] } }, auth))
  expect(res.status).toBe(400)
  expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^No conversations match this scope, so there is nothing to export/)
  const page = await app.request('/exports', form({ format: 'csv', scope_kind: 'approved' }, { cookie }))
  expect(page.status).toBe(400)
  expect(await page.text()).toContain('No conversations match this scope')
  expect(await database.db.selectFrom('exports').selectAll().execute()).toEqual([])
  const jobs = await database.pool.query('select count(*)::int n from graphile_worker._private_jobs')
  expect(jobs.rows[0].n).toBe(0)
  expect(finalFiles()).toEqual([])
})

test('a scope that empties before the job runs fails with a message instead of an empty file', async () => {
  const ids = await approved(2)
  const id = await start({ format: 'json', scope: { conversation_ids: ids } })
  await database.db.updateTable('conversations').set({ deleted_at: new Date() }).execute()
  await runExport(deps, id)
  const row = await shown(id)
  expect(row).toMatchObject({ status: 'failed', count: 0, bytes: 0, sha256: null })
  expect(row.error).toMatch(/^No conversations match this export’s scope, so no file was written/)
  expect(finalFiles()).toEqual([])
  // Nothing to export is the person's to act on, not an error to log.
  expect(await database.db.selectFrom('error_logs').selectAll().execute()).toEqual([])
  const res = await app.request(`/api/exports/${id}/download`, { headers: auth })
  expect(res.status).toBe(409)
})

test('a full disk mid-file marks the export failed with the reason and leaves no file at all', async () => {
  await approved(3)
  const id = await start({ format: 'openai' })
  // Every write to /dev/full fails with ENOSPC, as a full disk does.
  await runExport(deps, id, { openFile: () => open('/dev/full', 'w') })
  const row = await shown(id)
  expect(row.status).toBe('failed')
  expect(row.error).toBe(`The disk holding ${exportDir()} is full (ENOSPC); no file was kept. Free some space and run the export again.`)
  expect(finalFiles()).toEqual([])
  expect((await app.request(`/api/exports/${id}/download`, { headers: auth })).status).toBe(409)
  // A fault of the machine: in the error log, with the export it concerns.
  const logged = await database.db.selectFrom('error_logs').select(['code', 'message', 'context']).execute()
  expect(logged).toEqual([{ code: 'export_failed', message: row.error, context: expect.objectContaining({ export_id: id, format: 'openai' }) }])
})

test('an export folder that cannot be created fails the export with the reason', async () => {
  await approved(1)
  const broken = testApp(database, { EXPORT_DIR: '/dev/full/exports' })
  const id = await start({ format: 'csv' })
  await runExport(broken.deps, id)
  const row = await shown(id)
  expect(row.status).toBe('failed')
  expect(row.error).toMatch(/^Writing the export file failed \(ENOTDIR: .*\/dev\/full\/exports.*\); no file was kept\.$/)
})

test('a conversation breaking the format rules is listed in the report, and an export with only such fails', async () => {
  const bad = await insertConversation(database.db, { turns: [{ role: 'user', content: 'anyone there?' }] })
  const id = await start({ format: 'bedrock', scope: { conversation_ids: [bad] } })
  await runExport(deps, id)
  const row = await shown(id)
  expect(row.status).toBe('failed')
  expect(row.error).toContain('None of the 1 conversations in scope can be written')
  expect(row.report.invalid).toEqual([{ id: bad, title: 'A conversation', problems: ['has no assistant turn', 'the last turn must be the assistant'] }])
  expect(finalFiles()).toEqual([])
})

test('concurrent exports each produce their own complete file', async () => {
  await approved(25)
  worker = await startWorker(deps, database.pool)
  const formats = ['openai', 'hf', 'json', 'csv', 'openai', 'markdown']
  const ids = await Promise.all(formats.map((format) => start({ format })))
  const rows = await Promise.all(ids.map((id) => settled(id)))
  expect(rows.map((r) => [r.status, r.count])).toEqual(formats.map(() => ['done', 25]))
  expect(new Set(rows.map((r) => r.files[0]!.name)).size).toBe(formats.length)
  const first = await download(app, `/api/exports/${ids[0]}/download`, auth)
  const fifth = await download(app, `/api/exports/${ids[4]}/download`, auth)
  expect(first.bytes.equals(fifth.bytes)).toBe(true)
  expect(JSON.parse((await download(app, `/api/exports/${ids[2]}/download`, auth)).bytes.toString())).toHaveLength(25)
  expect(finalFiles().filter((f) => f.endsWith('.tmp'))).toEqual([])
})

test('a viewer or reviewer can neither start, list nor download exports', async () => {
  await approved(1)
  const id = await start({ format: 'openai' })
  await runExport(deps, id)
  for (const role of ['viewer', 'reviewer'] as const) {
    const user = await makeUser(database, role)
    const token = { authorization: `Bearer ${(await createApiToken(database.db, user.id, { name: 'x', scope: 'write' })).token}` }
    const userCookie = await signIn(app, user)
    expect((await app.request('/api/exports', json({ format: 'openai' }, token))).status).toBe(403)
    expect((await app.request(`/api/exports/${id}/download`, { headers: token })).status).toBe(403)
    expect((await app.request(`/api/exports/${id}`, { headers: token })).status).toBe(403)
    const page = await app.request(`/exports/${id}/download`, { headers: { cookie: userCookie } })
    expect(page.status).toBe(403)
    expect(await page.text()).toContain(`Your role (${role}) does not allow this.`)
    expect((await app.request('/exports', { headers: { cookie: userCookie } })).status).toBe(403)
  }
  expect(await database.db.selectFrom('exports').select('id').execute()).toHaveLength(1)
})

test('a read-only token can poll and download but not start an export', async () => {
  await approved(1)
  const id = await start({ format: 'openai' })
  await runExport(deps, id)
  const readOnly = { authorization: `Bearer ${(await createApiToken(database.db, editor.id, { name: 'ro', scope: 'read' })).token}` }
  expect((await app.request(`/api/exports/${id}`, { headers: readOnly })).status).toBe(200)
  expect((await app.request(`/api/exports/${id}/download`, { headers: readOnly })).status).toBe(200)
  expect((await app.request('/api/exports', json({ format: 'openai' }, readOnly))).status).toBe(403)
})

test('past its retention an export file is removed by the cron task and its download says it expired (410)', async () => {
  const retained = testApp(database, { EXPORT_RETENTION_HOURS: '2' })
  await approved(2)
  const id = await start({ format: 'hf' })
  const before = Date.now()
  await runExport(retained.deps, id)
  const row = await database.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  expect(row.expires_at!.getTime() - before).toBeGreaterThanOrEqual(2 * 3600_000)
  expect(row.expires_at!.getTime() - before).toBeLessThan(2 * 3600_000 + 60_000)
  const file = row.files[0]!.path
  expect(existsSync(file)).toBe(true)

  expect(await expireExports(database.db, new Date(Date.now() + 3600_000))).toBe(0)
  expect(await expireExports(database.db, new Date(Date.now() + 3 * 3600_000))).toBe(1)
  expect(existsSync(file)).toBe(false)
  expect((await shown(id)).status).toBe('expired')
  const res = await app.request(`/api/exports/${id}/download`, { headers: auth })
  expect(res.status).toBe(410)
  expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^This export expired on .* and its file was removed\. Run it again/)
  const page = await app.request(`/exports/${id}/download`, { headers: { cookie } })
  expect(page.status).toBe(410)
  expect(await page.text()).toContain('This export expired on')
})

test('deleting an export removes its file, keeps the row in the history, and its download answers 410', async () => {
  await approved(2)
  const id = await start({ format: 'csv' })
  await runExport(deps, id)
  expect(finalFiles()).toHaveLength(1)
  const res = await app.request(`/exports/${id}/delete`, form({}, { cookie }))
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/exports?done=deleted')
  expect(finalFiles()).toEqual([])
  const gone = await app.request(`/api/exports/${id}/download`, { headers: auth })
  expect(gone.status).toBe(410)
  expect(((await gone.json()) as { error: { message: string } }).error.message).toMatch(/^This export was deleted on /)
  // The status words stay those of DESIGN.md §8; deletion shows as deleted_at.
  expect(await shown(id)).toMatchObject({ status: 'done', deleted_at: expect.any(String) })
  const history = await (await app.request('/exports?done=deleted', { headers: { cookie } })).text()
  expect(history).toContain('Export deleted; its files were removed.')
  expect(history).toContain('deleted</span>')
})

test('the history shows who, when, scope, format, count, size and status, and re-running copies the settings', async () => {
  await approved(4)
  const id = await start({ format: 'markdown', scope: { tier: ['T2'] }, options: { include_metadata: false } })
  await runExport(deps, id)
  const page = await (await app.request('/exports', { headers: { cookie } })).text()
  for (const text of [editor.email, 'markdown', 'tier: T2', '>4<', 'done</span>', `/exports/${id}/download`]) expect(page).toContain(text)
  const rerun = await app.request(`/exports/${id}/rerun`, form({}, { cookie }))
  expect(rerun.status).toBe(303)
  const newId = rerun.headers.get('location')!.split('/').pop()!
  expect(newId).not.toBe(id)
  const copy = await database.db.selectFrom('exports').selectAll().where('id', '=', newId).executeTakeFirstOrThrow()
  const original = await database.db.selectFrom('exports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  expect([copy.format, copy.scope, copy.options, copy.status]).toEqual([original.format, original.scope, original.options, 'queued'])
})

test('the new-export page, opened from a dashboard filter, shows the count and the first records in the chosen format', async () => {
  await approved(5)
  await insertConversation(database.db, { turns: TURNS, status: 'rejected', title: 'Rejected one' })
  const page = await app.request('/exports/new?status=rejected&format=hf&scope_kind=filter&include_system_prompt=on', { headers: { cookie } })
  expect(page.status).toBe(200)
  const html = await page.text()
  expect(html).toContain('The dashboard filter: status: rejected')
  expect(html).toContain('<strong>1</strong> conversation in scope')
  expect(html).toContain('{&quot;messages&quot;:[{&quot;role&quot;:&quot;system&quot;')
  const fragment = await app.request('/exports/preview?format=csv&scope_kind=approved', { headers: { cookie, 'hx-request': 'true' } })
  const text = await fragment.text()
  expect(text.startsWith('<section id="export-preview"')).toBe(true)
  expect(text).toContain('<strong>5</strong> conversations in scope')
  expect(text).toContain('conversation_id,turn,role,content')
})

test('a small export started from the form shows its finished file on the next page at once', async () => {
  await approved(3)
  worker = await startWorker(deps, database.pool)
  const res = await app.request('/exports', form({ format: 'openai', scope_kind: 'approved', include_system_prompt: 'on' }, { cookie }))
  expect(res.status).toBe(303)
  const page = await (await app.request(res.headers.get('location')!, { headers: { cookie } })).text()
  expect(page).toContain('done</span>')
  expect(page).toMatch(/3 conversations, [\d.]+ (B|KiB)/)
  expect(page).not.toContain('every 1s')
})

test('a queued export’s page polls a status fragment that shows progress', async () => {
  await approved(2)
  const id = await start({ format: 'openai' })
  const page = await (await app.request(`/exports/${id}`, { headers: { cookie } })).text()
  expect(page).toContain(`hx-get="/exports/${id}/status"`)
  expect(page).toContain('hx-trigger="every 1s"')
  expect(page).toContain('0 of 2 conversations written')
  await runExport(deps, id)
  const fragment = await (await app.request(`/exports/${id}/status`, { headers: { cookie, 'hx-request': 'true' } })).text()
  expect(fragment.startsWith('<section id="export-status"')).toBe(true)
  expect(fragment).not.toContain('hx-trigger')
  expect(fragment).toContain('done</span>')
})

test('a worker killed mid-export leaves nothing downloadable, and the retried job writes the complete file', async () => {
  await seedConversations(database.db, { count: 20_000 })
  const total = Number((await database.pool.query(`select count(*) n from conversations where status = 'approved' and deleted_at is null`)).rows[0].n)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'train-data-kill-'))
  const killed = testApp(database, { EXPORT_DIR: dir })
  const id = await start({ format: 'json' })
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start', '--role=worker'], {
    env: { ...process.env, DATABASE_URL: database.url, EXPORT_DIR: dir, DATA_DIR: dir, LOG_LEVEL: 'silent', WORKER_CONCURRENCY: '2' },
    stdio: 'ignore',
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  // Kill it (no clean-up of any kind) as soon as its temporary file exists.
  await vi.waitFor(
    () =>
      expect(
        readdirSync(dir).some((f) => f.endsWith('.tmp')),
        'the worker never started writing',
      ).toBe(true),
    { timeout: 30_000, interval: 2 },
  )
  child.kill('SIGKILL')
  await exited
  expect((await shown(id)).status).toBe('running')
  expect(readdirSync(dir).filter((f) => !f.endsWith('.tmp'))).toEqual([])
  const refused = await app.request(`/api/exports/${id}/download`, { headers: auth })
  expect(refused.status).toBe(409)
  expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('still running')

  // The dead worker stops beating; the next worker's sweep unlocks its job, which runs again.
  await database.pool.query(`update worker_heartbeats set last_seen_at = now() - interval '1 hour' where pid = $1`, [child.pid])
  worker = await startWorker(killed.deps, database.pool)
  const done = await settled(id, 60_000)
  expect(done).toMatchObject({ status: 'done', count: total })
  expect(readdirSync(dir)).toEqual([`${id}.json`])
  const { bytes } = await download(killed.app, `/api/exports/${id}/download`, auth)
  expect(JSON.parse(bytes.toString('utf8'))).toHaveLength(total)
}, 120_000)
