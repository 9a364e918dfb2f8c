import { sql } from 'kysely'
import { beforeEach, expect, test } from 'vitest'
import { purgeExpiredTrash } from '../src/conversations/purge'
import type { Deps } from '../src/deps'
import { startWorker } from '../src/worker/runner'
import { CRONTAB } from '../tasks'
import { type App, makeUser, signIn, type TestUser, useApp } from './helpers/app'
import type { TestDatabase } from './helpers/db'
import { waitFor } from './helpers/generation'

let database: TestDatabase
let app: App
let deps: Deps
let admin: TestUser

useApp((t) => ({ database, app, deps } = t))

beforeEach(async () => {
  await sql`truncate graphile_worker._private_jobs`.execute(database.db)
  admin = await makeUser(database, 'admin')
})

/** A reviewed conversation with a recorded version, an approval and its undo, and a review claim; trashed `daysAgo` days ago (null: live). */
async function conversation(title: string, daysAgo: number | null): Promise<string> {
  const turns = JSON.stringify([
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello' },
  ])
  const { id } = await database.db
    .insertInto('conversations')
    .values({
      tier: 'T1',
      status: 'pending_review',
      title,
      turns,
      turn_count: 2,
      deleted_at: daysAgo === null ? null : sql<Date>`now() - make_interval(days => ${daysAgo})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  await database.db.insertInto('conversation_versions').values({ conversation_id: id, version: 1, source: 'generated', title, turns }).execute()
  const approval = await database.db
    .insertInto('review_actions')
    .values({ conversation_id: id, reviewer_id: admin.id, action: 'approve', from_status: 'pending_review', to_status: 'approved' })
    .returning('id')
    .executeTakeFirstOrThrow()
  await database.db
    .insertInto('review_actions')
    .values({ conversation_id: id, reviewer_id: admin.id, action: 'undo', from_status: 'approved', to_status: 'pending_review', undoes_id: approval.id })
    .execute()
  await database.db
    .insertInto('review_claims')
    .values({ conversation_id: id, reviewer_id: admin.id, expires_at: sql<Date>`now() + interval '5 minutes'` })
    .execute()
  return id
}

async function rowsOf(id: string) {
  const count = async (table: 'conversations' | 'conversation_versions' | 'review_actions' | 'review_claims') => {
    const column = table === 'conversations' ? 'id' : 'conversation_id'
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)} = ${id}::uuid`.execute(database.db)
    return rows[0]!.n
  }
  return {
    conversation: await count('conversations'),
    versions: await count('conversation_versions'),
    actions: await count('review_actions'),
    claims: await count('review_claims'),
  }
}

const kept = { conversation: 1, versions: 1, actions: 2, claims: 1 }
const gone = { conversation: 0, versions: 0, actions: 0, claims: 0 }

test('the purge_trash task deletes conversations trashed more than 30 days ago with their dependent rows, and nothing else', async () => {
  const expired = await conversation('Trashed 31 days ago', 31)
  const restorable = await conversation('Trashed 29 days ago', 29)
  const live = await conversation('Never trashed', null)
  const worker = await startWorker(deps, database.pool)
  try {
    await sql`select graphile_worker.add_job('purge_trash')`.execute(database.db)
    await waitFor(async () => (await rowsOf(expired)).conversation === 0, 15_000, 'the expired conversation to be purged')
  } finally {
    await worker.stop()
  }
  expect(await rowsOf(expired)).toEqual(gone)
  expect(await rowsOf(restorable)).toEqual(kept)
  expect(await rowsOf(live)).toEqual(kept)
  // The restorable one can still be restored by an admin.
  const cookie = await signIn(app, admin)
  const restore = await app.request(`/conversations/${restorable}/restore`, { method: 'POST', headers: { cookie, origin: 'http://localhost' } })
  expect(restore.status).toBe(303)
})

test('it runs by itself every hour', () => {
  expect(CRONTAB.split('\n')).toContain('30 * * * * purge_trash')
})

test('one run deletes everything expired, saved as one backup; the next finds nothing left', async () => {
  const expired = await Promise.all(Array.from({ length: 5 }, (_, i) => conversation(`Expired ${i}`, 40 + i)))
  const restorable = await conversation('Trashed yesterday', 1)
  expect(await purgeExpiredTrash(database.db, deps.config.backupDir)).toBe(5)
  for (const id of expired) expect(await rowsOf(id)).toEqual(gone)
  expect(await rowsOf(restorable)).toEqual(kept)
  expect(await purgeExpiredTrash(database.db, deps.config.backupDir)).toBe(0)
  const backups = await database.db.selectFrom('backups').select(['reason', 'count', 'status']).execute()
  expect(backups).toEqual([{ reason: 'purge_trash', count: 5, status: 'ready' }])
})

test('the trash page says when each conversation will be deleted for good', async () => {
  const id = await conversation('Trashed 29 days ago', 29)
  const { deleted_at } = await database.db.selectFrom('conversations').select('deleted_at').where('id', '=', id).executeTakeFirstOrThrow()
  const purgeOn = new Date(deleted_at!.getTime() + 30 * 86_400_000)
  const cookie = await signIn(app, admin)
  const page = await (await app.request('/conversations/trash', { headers: { cookie } })).text()
  expect(page).toContain('After that they are deleted for good')
  expect(page).toContain(`<time class="purge" datetime="${purgeOn.toISOString()}">${purgeOn.toISOString().replace('T', ' ').slice(0, 16)} UTC</time>`)
})
