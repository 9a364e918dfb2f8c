import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { z } from 'zod'
import type { DB, RestoreResult } from '../db/schema'
import { AppError, errorKind, NotFound } from '../errors'
import { BACKUP_CHUNK, type BackupKind, backupFile, itemTable, kindOf, withBackup } from './write'

export class BackupExpired extends errorKind(410, 'backup_expired') {}
export class BackupDamaged extends errorKind(409, 'backup_damaged') {}

/** The tables a restore writes, with the columns that point at other tables (cleared when their row is gone). */
const REFERENCES = {
  conversations: {
    batch_id: 'batches',
    template_id: 'templates',
    template_version_id: 'template_versions',
    scenario_id: 'scenarios',
    edge_case_id: 'edge_cases',
    created_by: 'users',
    reviewed_by: 'users',
    parent_chunk_id: 'chunks',
  },
  conversation_versions: { created_by: 'users' },
  review_actions: { reviewer_id: 'users' },
  templates: { created_by: 'users' },
  template_versions: { created_by: 'users' },
  scenarios: {},
  edge_cases: {},
} as const satisfies Record<string, Record<string, keyof DB>>
type RestoredTable = keyof typeof REFERENCES

type Row = Record<string, unknown> & { id: string }
const RowSchema = z.looseObject({ id: z.uuid() })
const Line = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('conversation'), row: RowSchema, versions: z.array(RowSchema), reviews: z.array(RowSchema) }),
  z.object({
    kind: z.literal('template'),
    row: RowSchema,
    versions: z.array(RowSchema),
    scenarios: z.array(RowSchema),
    edge_cases: z.array(RowSchema),
  }),
])
type Line = z.infer<typeof Line>

/**
 * Puts a backup's rows back. Rows changed since the action (their version is not the one it left,
 * or they were deleted since) are skipped and listed, never overwritten; deleted rows come back with
 * their versions and review history. What it overwrites is backed up first (reason 'restore'). The
 * file's sha256 is checked before anything changes, and everything happens in one transaction, so
 * a damaged file changes nothing. Restoring again answers what the first restore did.
 */
export async function restoreBackup(db: Kysely<DB>, dir: string, id: string, userId: string): Promise<RestoreResult> {
  return db.transaction().execute(async (trx) => {
    const backup = await trx
      .selectFrom('backups')
      .select(['reason', 'status', 'sha256', 'restore_result', sql<boolean>`expires_at <= now()`.as('expired')])
      .where('id', '=', id)
      .where('status', '!=', 'writing')
      .forUpdate()
      .executeTakeFirst()
    if (!backup) throw new NotFound('No such backup.')
    if (backup.restore_result) return backup.restore_result
    if (backup.status === 'expired' || backup.expired) throw new BackupExpired('This backup has expired; its rows can no longer be restored.')
    const file = backupFile(dir, id)
    await checkFile(file, backup.sha256)
    const kind = kindOf(backup.reason)
    const columns = await columnsOf(trx)
    // What the restore will overwrite: the rows still at the version the action left.
    const overwritten = sql<{ id: string }>`
      select t.id from ${sql.table(itemTable(kind))} t join backup_items i on i.item_id = t.id
      where i.backup_id = ${id} and i.version_after = t.version
      for update of t`
    const result = await withBackup(
      trx,
      dir,
      { reason: 'restore', description: `Rows overwritten by the restore of backup ${id.slice(0, 8)}`, userId, items: overwritten },
      async () => {
        const result: RestoreResult = { restored: 0, skipped: [] }
        for await (const lines of linesOf(file)) {
          const done = await restoreChunk(trx, id, kind, lines, columns)
          result.restored += done.restored
          result.skipped.push(...done.skipped)
        }
        return result
      },
    )
    await trx
      .updateTable('backups')
      .set({ restored_at: sql<Date>`now()`, restored_by: userId, restore_result: JSON.stringify(result) })
      .where('id', '=', id)
      .execute()
    return result
  })
}

/** Refuses a missing file or one whose bytes are not those recorded when it was written. */
async function checkFile(file: string, sha256: string | null): Promise<void> {
  const hash = createHash('sha256')
  try {
    await pipeline(createReadStream(file), hash)
  } catch {
    throw new BackupDamaged('The backup file is missing from the disk, so nothing was restored.')
  }
  if (hash.digest('hex') !== sha256) {
    throw new BackupDamaged('The backup file is damaged (its checksum does not match what was written), so nothing was restored.')
  }
}

/** The file's lines, parsed, BACKUP_CHUNK at a time. */
async function* linesOf(file: string): AsyncGenerator<Line[]> {
  const input = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY })
  let chunk: Line[] = []
  try {
    for await (const text of input) {
      if (!text) continue
      const parsed = Line.safeParse(JSON.parse(text))
      if (!parsed.success) throw new BackupDamaged('The backup file holds a line this version cannot read, so nothing was restored.')
      chunk.push(parsed.data)
      if (chunk.length === BACKUP_CHUNK) {
        yield chunk
        chunk = []
      }
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    throw new BackupDamaged('The backup file could not be read to the end, so nothing was restored.')
  }
  if (chunk.length) yield chunk
}

/** Each table's writable columns (generated ones left out), as Postgres has them now. */
async function columnsOf(trx: Kysely<DB>): Promise<Record<RestoredTable, string[]>> {
  const { rows } = await sql<{ table_name: RestoredTable; columns: string[] }>`
    select table_name, array_agg(column_name::text order by ordinal_position) as columns
    from information_schema.columns
    where table_schema = current_schema() and table_name in (${sql.join(Object.keys(REFERENCES))}) and is_generated = 'NEVER'
    group by table_name`.execute(trx)
  return Object.fromEntries(rows.map((r) => [r.table_name, r.columns])) as Record<RestoredTable, string[]>
}

/** A column's value from the saved row `r`: a reference to a row that is gone becomes null. */
function savedValue(table: RestoredTable, column: string): RawBuilder<unknown> {
  const target = (REFERENCES[table] as Record<string, keyof DB>)[column]
  if (!target) return sql`r.${sql.ref(column)}`
  return sql`(select x.id from ${sql.table(target)} x where x.id = r.${sql.ref(column)})`
}

const savedRows = (table: RestoredTable, rows: Row[]) => sql`jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb) r`

/** Inserts saved rows that are not there (by id or another unique key). */
async function insertMissing(trx: Kysely<DB>, table: RestoredTable, columns: string[], rows: Row[]): Promise<void> {
  if (!rows.length) return
  await sql`
    insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    select ${sql.join(columns.map((c) => savedValue(table, c)))} from ${savedRows(table, rows)}
    on conflict do nothing`.execute(trx)
}

async function restoreChunk(
  trx: Kysely<DB>,
  backupId: string,
  kind: BackupKind,
  lines: Line[],
  columns: Record<RestoredTable, string[]>,
): Promise<RestoreResult> {
  const table = itemTable(kind)
  const ids = lines.map((l) => l.row.id)
  const { rows: current } = await sql<{ id: string; version: number }>`
    select id, version from ${sql.table(table)} where id in (${sql.join(ids)}) for update`.execute(trx)
  const items = await trx
    .selectFrom('backup_items')
    .select(['item_id', 'version_after'])
    .where('backup_id', '=', backupId)
    .where('item_id', 'in', ids)
    .execute()
  const versions = new Map(current.map((r) => [r.id, r.version]))
  const left = new Map(items.map((r) => [r.item_id, r.version_after]))
  // Unchanged since the action: at the version it left, or still gone when it deleted the row.
  const unchanged = (id: string) => left.has(id) && (versions.get(id) ?? null) === left.get(id)
  const skipped = ids.filter((id) => !unchanged(id))
  const chosen = lines.filter((l) => unchanged(l.row.id))
  const gone = chosen.filter((l) => !versions.has(l.row.id))
  const present = chosen.filter((l) => versions.has(l.row.id))
  if (kind === 'templates') {
    // A template is only ever restored after it was deleted: present ones were re-made since.
    for (const line of gone) {
      if (line.kind !== 'template') continue
      await insertMissing(trx, 'templates', columns.templates, [line.row])
      await insertMissing(trx, 'template_versions', columns.template_versions, line.versions)
      await insertMissing(trx, 'scenarios', columns.scenarios, line.scenarios)
      await insertMissing(trx, 'edge_cases', columns.edge_cases, line.edge_cases)
    }
    return { restored: gone.length, skipped: [...skipped, ...present.map((l) => l.row.id)] }
  }
  const conversations = chosen.flatMap((l) => (l.kind === 'conversation' ? [l] : []))
  if (present.length) {
    // Overwritten rows take the saved values and a new row version, so a page opened before sees a conflict.
    const set = columns.conversations.filter((c) => c !== 'id' && c !== 'version' && c !== 'updated_at')
    await sql`
      update conversations c
      set ${sql.join(set.map((col) => sql`${sql.ref(col)} = ${savedValue('conversations', col)}`))}, version = c.version + 1, updated_at = now()
      from ${savedRows(
        'conversations',
        present.map((l) => l.row),
      )}
      where c.id = r.id`.execute(trx)
  }
  // Rows deleted for good come back; if they were in the trash, with a full trash window from now.
  await insertMissing(
    trx,
    'conversations',
    columns.conversations,
    gone.map((l) => ({ ...l.row, deleted_at: l.row.deleted_at ? new Date().toISOString() : null })),
  )
  const chosenIds = conversations.map((l) => l.row.id)
  if (chosenIds.length) {
    // Versions and review history exactly as saved: what the action added goes, what it removed comes back.
    const versionIds = conversations.flatMap((l) => l.versions.map((v) => v.id))
    const reviewIds = conversations.flatMap((l) => l.reviews.map((r) => r.id))
    await trx
      .deleteFrom('review_actions')
      .where('conversation_id', 'in', chosenIds)
      .$if(reviewIds.length > 0, (q) => q.where('id', 'not in', reviewIds))
      .execute()
    await trx
      .deleteFrom('conversation_versions')
      .where('conversation_id', 'in', chosenIds)
      .$if(versionIds.length > 0, (q) => q.where('id', 'not in', versionIds))
      .execute()
    await insertMissing(
      trx,
      'conversation_versions',
      columns.conversation_versions,
      conversations.flatMap((l) => l.versions),
    )
    await insertMissing(
      trx,
      'review_actions',
      columns.review_actions,
      conversations.flatMap((l) => l.reviews),
    )
  }
  return { restored: chosen.length, skipped }
}
