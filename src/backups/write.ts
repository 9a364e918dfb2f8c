import { mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { type Expression, type Kysely, sql } from 'kysely'
import type { BackupReason, DB } from '../db/schema'
import { inTransaction } from '../db/transaction'
import { FileSink } from '../exports/file-sink'
import { readRetention } from '../settings/retention'

/** Conversations read (and lines written) per query: bounds memory whatever the backup's size. */
export const BACKUP_CHUNK = 500

/** What a backup holds: conversations (with versions and review history), or templates (template_delete). */
export type BackupKind = 'conversations' | 'templates'
export const kindOf = (reason: BackupReason): BackupKind => (reason === 'template_delete' ? 'templates' : 'conversations')
export const itemTable = (kind: BackupKind) => (kind === 'templates' ? 'templates' : 'conversations')

export type BackupSpec = {
  reason: BackupReason
  /** What the action does, as the Backups page says it ("Bulk delete of 120 conversations"). */
  description: string
  userId: string | null
  /**
   * The ids of the rows the action is about to change, locked (`for update`) so nothing else
   * changes them before the action commits. The action must change exactly these (see `inBackup`).
   */
  items: Expression<{ id: string }>
}

export type TakenBackup = { id: string; count: number }

export const backupFile = (dir: string, id: string) => path.join(dir, `${id}.jsonl.gz`)

/** The ids a backup holds, for an action's `where id in (...)`, so it changes exactly what was saved. */
export function inBackup(backupId: string) {
  return sql<string>`(select item_id from backup_items where backup_id = ${backupId})`
}

/**
 * Saves the rows a destructive action is about to change, runs the action on them, and records the
 * version each row was left at, all in one transaction: the backup is listed (status 'ready') only
 * if the action committed, and a restore can tell which rows changed since. The file is written to
 * a temporary name, fsync'd and renamed first; if anything fails it is removed (a kill -9 leaves a
 * file without a row, which `removeStrayFiles` deletes). An empty backup is not kept.
 */
export async function withBackup<T>(db: Kysely<DB>, dir: string, spec: BackupSpec, action: (trx: Kysely<DB>, backup: TakenBackup) => Promise<T>): Promise<T> {
  let written: string | undefined
  try {
    return await inTransaction(db, async (trx) => {
      const backup = await writeBackup(trx, dir, spec)
      written = backupFile(dir, backup.id)
      const result = await action(trx, backup)
      await recordVersionsAfter(trx, backup.id, kindOf(spec.reason))
      if (backup.count === 0) {
        await trx.deleteFrom('backups').where('id', '=', backup.id).execute()
        await rm(written, { force: true })
      } else {
        await trx.updateTable('backups').set({ status: 'ready' }).where('id', '=', backup.id).execute()
      }
      return result
    })
  } catch (error) {
    if (written) await rm(written, { force: true })
    throw error
  }
}

/** Writes the backup's row ('writing', invisible until the caller's transaction commits) and its file. */
async function writeBackup(trx: Kysely<DB>, dir: string, spec: BackupSpec): Promise<TakenBackup> {
  const { backup_days } = await readRetention(trx)
  const { id } = await trx
    .insertInto('backups')
    .values({
      reason: spec.reason,
      description: spec.description,
      created_by: spec.userId,
      expires_at: sql<Date>`now() + make_interval(days => ${backup_days})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const items = await sql`
    insert into backup_items (backup_id, item_id)
    select ${id}, s.id from (${spec.items}) s`.execute(trx)
  const count = Number(items.numAffectedRows ?? 0n)
  await mkdir(dir, { recursive: true })
  const file = backupFile(dir, id)
  // Level 1: a backup lives days, so speed matters more than size.
  const sink = await FileSink.open(file, { gzip: true, gzipLevel: 1 })
  try {
    const kind = kindOf(spec.reason)
    // A cursor in the action's transaction: one pass over the backup's rows, BACKUP_CHUNK lines a fetch.
    await sql`
      declare backup_rows no scroll cursor for
      select ${lineOf(kind)} as line
      from backup_items i join ${sql.table(itemTable(kind))} t on t.id = i.item_id
      where i.backup_id = ${id}`.execute(trx)
    // Postgres builds the next chunk while the last one is compressed: at most two chunks in memory.
    let writing = Promise.resolve()
    for (;;) {
      const { rows } = await sql<{ line: string }>`fetch ${sql.lit(BACKUP_CHUNK)} from backup_rows`.execute(trx)
      await writing
      if (rows.length) writing = sink.write(`${rows.map((r) => r.line).join('\n')}\n`)
      if (rows.length < BACKUP_CHUNK) break
    }
    await writing
    await sql`close backup_rows`.execute(trx)
    const { bytes, sha256 } = await sink.commit()
    await trx
      .updateTable('backups')
      .set({ count, bytes, sha256, file: path.basename(file) })
      .where('id', '=', id)
      .execute()
  } catch (error) {
    await sink.abort()
    throw error
  }
  return { id, count }
}

/**
 * One line of the file, built by Postgres: the row as `to_jsonb` gives it (generated columns left
 * out) with what it owns: a conversation its versions and review history, a template its versions,
 * scenarios and edge cases.
 */
function lineOf(kind: BackupKind) {
  if (kind === 'conversations') {
    return sql<string>`jsonb_build_object(
      'kind', 'conversation',
      'row', to_jsonb(t) - 'search',
      'versions', coalesce((select jsonb_agg(to_jsonb(v) order by v.version) from conversation_versions v where v.conversation_id = t.id), '[]'),
      'reviews', coalesce((select jsonb_agg(to_jsonb(r) order by r.created_at, r.id) from review_actions r where r.conversation_id = t.id), '[]')
    )::text`
  }
  return sql<string>`jsonb_build_object(
    'kind', 'template',
    'row', to_jsonb(t),
    'versions', coalesce((select jsonb_agg(to_jsonb(v) order by v.version) from template_versions v where v.template_id = t.id), '[]'),
    'scenarios', coalesce((select jsonb_agg(to_jsonb(s) order by s.created_at, s.id) from scenarios s where s.template_id = t.id), '[]'),
    'edge_cases', coalesce((select jsonb_agg(to_jsonb(e) order by e.created_at, e.id)
      from edge_cases e join scenarios s on s.id = e.scenario_id where s.template_id = t.id), '[]')
  )::text`
}

/** The version each saved row was left at by the action (null where it deleted the row). */
export async function recordVersionsAfter(trx: Kysely<DB>, backupId: string, kind: BackupKind): Promise<void> {
  await sql`
    update backup_items i set version_after = (select t.version from ${sql.table(itemTable(kind))} t where t.id = i.item_id)
    where i.backup_id = ${backupId}`.execute(trx)
}
