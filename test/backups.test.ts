import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { sql } from 'kysely'
import { beforeEach, expect, test } from 'vitest'
import { expireBackups, removeStrayFiles, STRAY_AFTER_MS } from '../src/backups/queries'
import { backupFile } from '../src/backups/write'
import { queueBulk } from '../src/conversations/bulk'
import { purgeExpiredTrash } from '../src/conversations/purge'
import type { Deps } from '../src/deps'
import { startWorker } from '../src/worker/runner'
import { type App, form, json, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { waitFor } from './helpers/generation'

let database: TestDatabase
let app: App
let deps: Deps
let user: TestUser
let cookie: string

useApp('admin', (t) => ({ database, app, deps, user, cookie } = t))

const ORIGIN = { origin: 'http://localhost' }
const api = (url: string, init: RequestInit = {}) =>
  app.request(url, { ...init, headers: { cookie, accept: 'application/json', ...ORIGIN, ...(init.headers ?? {}) } })

/** A conversation with two content versions and a review history (approved, then sent back), optionally trashed `trashedDaysAgo` days ago. */
async function conversation(title: string, options: { status?: 'pending_review' | 'approved'; trashedDaysAgo?: number } = {}): Promise<string> {
  const turns = (text: string) =>
    JSON.stringify([
      { role: 'user', content: `${title}: question` },
      { role: 'assistant', content: text },
    ])
  const { id } = await database.db
    .insertInto('conversations')
    .values({
      tier: 'T1',
      status: options.status ?? 'pending_review',
      title,
      turns: turns('second answer'),
      turn_count: 2,
      created_by: user.id,
      deleted_at: options.trashedDaysAgo === undefined ? null : sql<Date>`now() - make_interval(days => ${options.trashedDaysAgo})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await database.db
    .insertInto('conversation_versions')
    .values([
      { conversation_id: id, version: 1, source: 'generated', title, turns: turns('first answer') },
      { conversation_id: id, version: 2, source: 'edited', title, turns: turns('second answer'), created_by: user.id },
    ])
    .execute()
  const approval = await database.db
    .insertInto('review_actions')
    .values({ conversation_id: id, reviewer_id: user.id, action: 'approve', from_status: 'pending_review', to_status: 'approved' })
    .returning('id')
    .executeTakeFirstOrThrow()
  await database.db
    .insertInto('review_actions')
    .values({ conversation_id: id, reviewer_id: user.id, action: 'undo', from_status: 'approved', to_status: 'pending_review', undoes_id: approval.id })
    .execute()
  return id
}

/** Everything a backup must bring back: the row's content and status, its versions and its review history. */
async function stateOf(id: string) {
  const row = await database.db
    .selectFrom('conversations')
    .select(['title', 'status', 'turns', 'deleted_at', 'reviewed_by'])
    .where('id', '=', id)
    .executeTakeFirst()
  const versions = await database.db
    .selectFrom('conversation_versions')
    .select(['id', 'version', 'source', 'turns'])
    .where('conversation_id', '=', id)
    .orderBy('version')
    .execute()
  const reviews = await database.db
    .selectFrom('review_actions')
    .select(['id', 'action', 'undoes_id'])
    .where('conversation_id', '=', id)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return { row, versions, reviews }
}

const states = (ids: string[]) => Promise.all(ids.map(stateOf))

async function bulk(action: string, ids: string[]) {
  const res = await api('/conversations/bulk', json({ action, scope: 'selected', ids, confirmed: true }, ORIGIN))
  expect(res.status, await res.clone().text()).toBe(200)
  return res.json()
}

async function backups(): Promise<{ id: string; reason: string; count: number; created_by: string | null }[]> {
  const res = await api('/api/backups')
  expect(res.status).toBe(200)
  return (await res.json()).items
}

async function restore(id: string, as = cookie) {
  return app.request(`/api/backups/${id}/restore`, { method: 'POST', headers: { cookie: as, accept: 'application/json', ...ORIGIN } })
}

const sorted = (ids: string[]) => [...ids].sort()

beforeEach(async () => {
  await sql`truncate conversations cascade`.execute(database.db)
  rmSync(deps.config.backupDir, { recursive: true, force: true })
})

test('a bulk delete saves exactly the deleted rows; restoring brings them back with versions and review history, and restoring twice changes nothing more', async () => {
  const ids = await Promise.all(['A', 'B', 'C'].map((t) => conversation(t)))
  const untouched = await conversation('Not selected')
  const before = await states(ids)
  expect((await bulk('delete', ids)).changed).toBe(3)
  const [backup, ...others] = await backups()
  expect(others).toEqual([])
  expect(backup).toMatchObject({ reason: 'bulk_delete', count: 3, created_by: user.id })
  expect(existsSync(backupFile(deps.config.backupDir, backup!.id))).toBe(true)

  const res = await restore(backup!.id)
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ restored: 3, skipped: [] })
  expect(await states(ids)).toEqual(before)
  expect((await stateOf(untouched)).row?.deleted_at).toBeNull()

  // What the restore overwrote (the trashed rows) is itself a backup; a second restore answers the same and takes none.
  const afterFirst = await backups()
  expect(afterFirst.map((b) => [b.reason, b.count])).toEqual([
    ['restore', 3],
    ['bulk_delete', 3],
  ])
  const again = await restore(backup!.id)
  expect(again.status).toBe(200)
  expect(await again.json()).toEqual({ restored: 3, skipped: [] })
  expect(await backups()).toHaveLength(2)
  expect(await states(ids)).toEqual(before)
})

test('a restore after partial edits skips exactly the rows changed since the bulk reject, and lists them', async () => {
  const ids = await Promise.all(['A', 'B', 'C', 'D'].map((t) => conversation(t)))
  const before = await states(ids)
  expect((await bulk('reject', ids)).changed).toBe(4)
  const [backup] = await backups()
  expect(backup).toMatchObject({ reason: 'bulk_reject', count: 4 })
  const [edited, reviewed, ...unchanged] = ids as [string, string, ...string[]]

  // One is edited (back to review with a new content version), another sent back to review.
  const rowVersion = async (id: string) =>
    (await database.db.selectFrom('conversations').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version
  const edit = await api(`/conversations/${edited}/turns/2`, json({ content: 'Edited after the reject', version: await rowVersion(edited) }, ORIGIN))
  expect(edit.status).toBe(200)
  expect((await bulk('move_to_review', [reviewed])).changed).toBe(1)
  const changed = await states([edited, reviewed])

  const res = await restore(backup!.id)
  const result = await res.json()
  expect(res.status).toBe(200)
  expect(result.restored).toBe(2)
  expect(sorted(result.skipped)).toEqual(sorted([edited, reviewed]))
  expect(await states(unchanged)).toEqual(before.slice(2))
  expect(await states([edited, reviewed])).toEqual(changed)

  // The page lists the skipped rows with links.
  const page = await (await app.request(`/backups/${backup!.id}`, { headers: { cookie } })).text()
  expect(page).toContain('Restored 2 rows; skipped 2 rows')
  expect(page).toContain(`href="/conversations/${edited}"`)
  expect(page).toContain(`href="/conversations/${reviewed}"`)
})

test('a bulk reject of everything matching a filter, run as a job, saves exactly the rows it rejects', async () => {
  const matching = await Promise.all(['Refund A', 'Refund B'].map((t) => conversation(t)))
  const approved = await conversation('Refund approved', { status: 'approved' })
  await conversation('Other topic')
  const worker = await startWorker(deps, database.pool)
  try {
    await queueBulk(database.db, { action: 'reject', filter: { q: 'refund', status: ['pending_review'] }, userId: user.id })
    await waitFor(async () => (await backups()).length > 0, 15_000, 'the bulk job to finish')
  } finally {
    await worker.stop()
  }
  const [backup] = await backups()
  expect(backup).toMatchObject({ reason: 'bulk_reject', count: 2 })
  for (const id of matching) expect((await stateOf(id)).row?.status).toBe('rejected')
  expect((await stateOf(approved)).row?.status).toBe('approved')
  expect(await (await restore(backup!.id)).json()).toEqual({ restored: 2, skipped: [] })
  for (const id of matching) expect((await stateOf(id)).row?.status).toBe('pending_review')
})

test('emptying the trash saves what it deletes for good; restoring puts it back in the trash with a new window', async () => {
  const expired = await Promise.all(['Old A', 'Old B'].map((t) => conversation(t, { trashedDaysAgo: 40 })))
  const recent = await conversation('Recent', { trashedDaysAgo: 2 })
  const before = await states(expired)
  expect(await purgeExpiredTrash(database.db, deps.config.backupDir)).toBe(2)
  const [backup] = await backups()
  expect(backup).toMatchObject({ reason: 'purge_trash', count: 2, created_by: null })
  expect((await stateOf(expired[0]!)).row).toBeUndefined()

  expect(await (await restore(backup!.id)).json()).toEqual({ restored: 2, skipped: [] })
  const after = await states(expired)
  expect(after.map((s) => ({ ...s, row: { ...s.row, deleted_at: null } }))).toEqual(before.map((s) => ({ ...s, row: { ...s.row, deleted_at: null } })))
  for (const s of after) expect(Date.now() - s.row!.deleted_at!.getTime()).toBeLessThan(60_000)
  expect((await stateOf(recent)).row?.deleted_at).not.toBeNull()
  // Nothing was overwritten, so the restore kept no backup of its own.
  expect(await backups()).toHaveLength(1)
})

test('a rollback saves the conversation first; restoring undoes the rollback exactly', async () => {
  const id = await conversation('Rolled back')
  const before = await stateOf(id)
  const { version } = await database.db.selectFrom('conversations').select('version').where('id', '=', id).executeTakeFirstOrThrow()
  const res = await api(`/conversations/${id}/rollback`, json({ version: 1, conversation_version: version }, ORIGIN))
  expect(res.status).toBeLessThan(400)
  const rolled = await stateOf(id)
  expect(rolled.versions.map((v) => v.source)).toEqual(['generated', 'edited', 'rollback'])
  const [backup] = await backups()
  expect(backup).toMatchObject({ reason: 'rollback', count: 1 })
  expect(await (await restore(backup!.id)).json()).toEqual({ restored: 1, skipped: [] })
  expect(await stateOf(id)).toEqual(before)
})

test('deleting a template saves it with its versions, scenarios and edge cases; restoring brings them back', async () => {
  const created = await api(
    '/api/templates',
    json(
      {
        name: 'Short-lived',
        system_prompt: 'Be kind',
        prompt: 'Talk about {{topic}}',
        parameters: [{ name: 'topic', type: 'string', required: true }],
        min_turns: 2,
        max_turns: 4,
      },
      ORIGIN,
    ),
  )
  expect(created.status).toBe(201)
  const template = await created.json()
  const { id: scenarioId } = await database.db
    .insertInto('scenarios')
    .values({ template_id: template.id, name: 'Scenario', values: '{}' })
    .returning('id')
    .executeTakeFirstOrThrow()
  await database.db.insertInto('edge_cases').values({ scenario_id: scenarioId, name: 'Edge', description: 'An edge case', complexity: 3 }).execute()
  const snapshot = async () => ({
    template: await database.db.selectFrom('templates').select(['name', 'prompt', 'version']).where('id', '=', template.id).executeTakeFirst(),
    versions: await database.db.selectFrom('template_versions').select(['id', 'version']).where('template_id', '=', template.id).execute(),
    scenarios: await database.db.selectFrom('scenarios').select(['id', 'name']).where('template_id', '=', template.id).execute(),
    edgeCases: await database.db.selectFrom('edge_cases').select(['name', 'complexity']).where('scenario_id', '=', scenarioId).execute(),
  })
  const before = await snapshot()
  expect((await api(`/api/templates/${template.id}`, { method: 'DELETE' })).status).toBe(204)
  expect((await snapshot()).template).toBeUndefined()
  const [backup] = await backups()
  expect(backup).toMatchObject({ reason: 'template_delete', count: 1 })
  expect(await (await restore(backup!.id)).json()).toEqual({ restored: 1, skipped: [] })
  expect(await snapshot()).toEqual(before)
})

test('an action that changes nothing keeps no backup, and one that fails keeps none either', async () => {
  const approved = await conversation('Already approved', { status: 'approved' })
  await database.db.updateTable('conversations').set({ status: 'rejected' }).where('id', '=', approved).execute()
  expect((await bulk('reject', [approved])).changed).toBe(0)
  // A rollback of a stale version is refused (409): no backup listed, no file left.
  const id = await conversation('Stale')
  const res = await api(`/conversations/${id}/rollback`, json({ version: 1, conversation_version: 999 }, ORIGIN))
  expect(res.status).toBe(409)
  expect(await backups()).toEqual([])
  expect(existsSync(deps.config.backupDir) ? readdirSync(deps.config.backupDir) : []).toEqual([])
})

test('an expired backup answers 410 (before and after the cleanup task deletes its file), a missing one 404', async () => {
  const ids = [await conversation('A')]
  await bulk('delete', ids)
  const [backup] = await backups()
  await database.db.updateTable('backups').set({ expires_at: sql<Date>`now() - interval '1 minute'` }).execute()
  expect(await backups()).toEqual([])
  const gone = await restore(backup!.id)
  expect(gone.status).toBe(410)
  expect((await gone.json()).error.code).toBe('backup_expired')
  expect(await expireBackups(database.db, deps.config.backupDir)).toBe(1)
  expect(existsSync(backupFile(deps.config.backupDir, backup!.id))).toBe(false)
  expect((await restore(backup!.id)).status).toBe(410)
  expect((await stateOf(ids[0]!)).row?.deleted_at).not.toBeNull()

  const missing = await restore('6f1c1a52-7a1e-4a57-9d8a-000000000000')
  expect(missing.status).toBe(404)
  expect((await restore('not-a-uuid')).status).toBeGreaterThanOrEqual(400)
})

test('a damaged or missing file is refused with a clear message and nothing changes', async () => {
  const ids = await Promise.all(['A', 'B'].map((t) => conversation(t)))
  await bulk('delete', ids)
  const [backup] = await backups()
  const trashed = await states(ids)
  const file = backupFile(deps.config.backupDir, backup!.id)
  const bytes = readFileSync(file)
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff
  writeFileSync(file, bytes)
  const res = await restore(backup!.id)
  expect(res.status).toBe(409)
  const { error } = await res.json()
  expect(error.code).toBe('backup_damaged')
  expect(error.message).toContain('damaged')
  expect(await states(ids)).toEqual(trashed)
  expect(await backups()).toHaveLength(1)
  const page = await app.request(`/backups/${backup!.id}/restore`, form({ confirmed: 'true' }, { cookie }))
  expect(page.status).toBe(409)
  expect(await page.text()).toContain('nothing was restored')

  rmSync(file)
  const missing = await restore(backup!.id)
  expect(missing.status).toBe(409)
  expect((await missing.json()).error.message).toContain('missing')
  expect(await states(ids)).toEqual(trashed)
})

test('editors and admins see and restore backups; reviewers and viewers may not', async () => {
  const ids = [await conversation('A')]
  await bulk('delete', ids)
  const [backup] = await backups()
  for (const role of ['reviewer', 'viewer'] as const) {
    const other = await signIn(app, await makeUser(database, role))
    expect((await restore(backup!.id, other)).status).toBe(403)
    expect((await app.request('/backups', { headers: { cookie: other } })).status).toBe(403)
    expect((await app.request('/api/backups', { headers: { cookie: other } })).status).toBe(403)
  }
  expect((await stateOf(ids[0]!)).row?.deleted_at).not.toBeNull()
  const editor = await signIn(app, await makeUser(database, 'editor'))
  const list = await (await app.request('/backups', { headers: { cookie: editor } })).text()
  expect(list).toContain('Bulk delete')
  expect(list).toContain(`action="/backups/${backup!.id}/restore"`)
  // The button asks first, saying how many rows, then restores and shows the result.
  const confirm = await app.request(`/backups/${backup!.id}/restore`, form({}, { cookie: editor }))
  expect(await confirm.text()).toContain('Restore 1 row?')
  const done = await app.request(`/backups/${backup!.id}/restore`, form({ confirmed: 'true' }, { cookie: editor }))
  expect(done.status).toBe(303)
  expect(done.headers.get('location')).toBe(`/backups/${backup!.id}?done=restored`)
  expect((await stateOf(ids[0]!)).row?.deleted_at).toBeNull()
})

test('admins and editors reach the Backups page from Recovery in the main navigation, and it shows Recovery as the current area', async () => {
  const home = await (await app.request('/', { headers: { cookie } })).text()
  expect(home).toContain('href="/recovery"')
  const recovery = await (await app.request('/recovery', { headers: { cookie } })).text()
  expect(recovery).toContain('href="/backups"')
  const backups = await (await app.request('/backups', { headers: { cookie } })).text()
  expect(backups).toMatch(/<a href="\/recovery" aria-current="page">Recovery<\/a>/)
})

test('a backup killed with SIGKILL while it is written is never listed, changes nothing, and its temporary file is cleaned up', async () => {
  // Enough rows (with long turns) that writing the backup takes a while.
  await sql`
    insert into conversations (tier, status, title, turns, turn_count)
    select 'T1', 'pending_review', 'Bulk ' || n, jsonb_build_array(jsonb_build_object('role', 'user', 'content', repeat(md5(n::text), 60))), 1
    from generate_series(1, 30000) n`.execute(database.db)
  const dir = deps.config.backupDir
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/backup-child.ts', database.url, dir, user.id], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const temp = () => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.tmp') && statSync(path.join(dir, f)).size > 0) : [])
  const deadline = Date.now() + 30_000
  while (temp().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  expect(temp(), output).toHaveLength(1)
  child.kill('SIGKILL')
  await exited
  expect(output).not.toContain('finished')

  expect(await backups()).toEqual([])
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from conversations where deleted_at is not null`.execute(database.db)
  expect(rows[0]!.n).toBe(0)
  // Not even a 'writing' row: it never committed.
  expect(await database.db.selectFrom('backups').select('id').execute()).toEqual([])
  expect(await removeStrayFiles(database.db, dir, Date.now() + STRAY_AFTER_MS)).toBe(1)
  expect(readdirSync(dir)).toEqual([])
}, 60_000)

test('admins set how long backups and the error log are kept; each change is in the audit trail and new backups expire accordingly', async () => {
  const read = async () => (await api('/api/settings/retention')).json()
  expect(await read()).toEqual({ error_log_days: 30, backup_days: 7 })
  const put = await api('/api/settings/retention', json({ backup_days: 3 }, ORIGIN, 'PUT'))
  expect(put.status).toBe(200)
  expect(await put.json()).toEqual({ error_log_days: 30, backup_days: 3 })
  const changes = await database.db.selectFrom('config_changes').select(['type', 'old_value', 'new_value', 'user_id']).where('type', '=', 'retention').execute()
  expect(changes).toEqual([
    { type: 'retention', old_value: { error_log_days: 30, backup_days: 7 }, new_value: { error_log_days: 30, backup_days: 3 }, user_id: user.id },
  ])

  await bulk('delete', [await conversation('A')])
  const { expires_at } = await database.db.selectFrom('backups').select('expires_at').executeTakeFirstOrThrow()
  expect(Math.round((expires_at.getTime() - Date.now()) / 86_400_000)).toBe(3)

  // The form: refused values name the field and change nothing; saved ones go back to the page.
  const bad = await app.request('/settings/retention', form({ error_log_days: '0', backup_days: '400' }, { cookie }))
  expect(bad.status).toBe(400)
  expect(await bad.text()).toContain('from 1 to 365')
  for (const body of [{ backup_days: 0 }, { backup_days: 2.5 }, { error_log_days: 'many' }, { keep: 3 }]) {
    expect((await api('/api/settings/retention', json(body, ORIGIN, 'PUT'))).status).toBe(400)
  }
  expect(await read()).toEqual({ error_log_days: 30, backup_days: 3 })
  const saved = await app.request('/settings/retention', form({ error_log_days: '60', backup_days: '14' }, { cookie }))
  expect(saved.status).toBe(303)
  expect(await read()).toEqual({ error_log_days: 60, backup_days: 14 })
  const page = await (await app.request('/settings/retention', { headers: { cookie } })).text()
  expect(page).toContain('value="14"')
  expect(page).toContain('href="/settings/retention"')
})

test('only admins see or change the retention', async () => {
  const editor = await signIn(app, await makeUser(database, 'editor'))
  expect((await app.request('/settings/retention', { headers: { cookie: editor } })).status).toBe(403)
  expect((await app.request('/api/settings/retention', { headers: { cookie: editor, accept: 'application/json' } })).status).toBe(403)
  const put = await app.request('/api/settings/retention', json({ backup_days: 1 }, { cookie: editor, ...ORIGIN }, 'PUT'))
  expect(put.status).toBe(403)
  expect((await (await api('/api/settings/retention')).json()).backup_days).toBe(7)
})
