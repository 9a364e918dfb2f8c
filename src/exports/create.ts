import type { Kysely } from 'kysely'
import type { DB } from '../db/schema'
import { NotFound, ValidationFailed } from '../errors'
import { WRITERS } from './formats'
import { type ExportRow, findExport, insertExport } from './queries'
import { countInScope, firstRecords, selectRecords } from './records'
import { ExportOptions, type ExportRequest, ExportScope } from './schemas'

export const EMPTY_SCOPE_MESSAGE = 'No conversations match this scope, so there is nothing to export. Widen the filter, or approve some conversations first.'

/** Creates the export and its job; an empty scope is refused here, before anything is written. */
export async function createExport(db: Kysely<DB>, request: ExportRequest, userId: string): Promise<ExportRow> {
  const total = await countInScope(db, request.scope, request.options)
  if (total === 0) throw new ValidationFailed(EMPTY_SCOPE_MESSAGE, { scope: EMPTY_SCOPE_MESSAGE })
  return insertExport(db, { ...request, createdBy: userId, total })
}

/**
 * A new export with the same format, scope and options as `id` (failed, expired or any other); the
 * old one records it as `replaced_by`, so Recovery stops offering it.
 */
export async function rerunExport(db: Kysely<DB>, id: string, userId: string): Promise<ExportRow> {
  const old = await findExport(db, id)
  if (!old) throw new NotFound('No such export.')
  const request = { format: old.format, scope: ExportScope.parse(old.scope), options: ExportOptions.parse(old.options) }
  const row = await createExport(db, request, userId)
  await db.updateTable('exports').set({ replaced_by: row.id }).where('id', '=', id).execute()
  return row
}

export type Preview = {
  count: number
  /** The file's beginning as the export will write it (header and the first records). */
  text: string
  /** Among the previewed records, those the format refuses, with why. */
  refused: { id: string; title: string; problems: string[] }[]
}

/** The count in scope and the first few records in the chosen format, through the same writer as the file. */
export async function previewExport(db: Kysely<DB>, request: ExportRequest, size = 3): Promise<Preview> {
  const writer = WRITERS[request.format]
  const options = { include_metadata: request.options.include_metadata, include_system_prompt: request.options.include_system_prompt }
  const query = selectRecords(db, request.scope, request.options, writer.usesMetadata && options.include_metadata)
  const [count, records] = await Promise.all([countInScope(db, request.scope, request.options), firstRecords(query, size)])
  const written: string[] = []
  const refused: Preview['refused'] = []
  for (const record of records) {
    const result = writer.record(record, options)
    if ('problems' in result) refused.push({ id: record.id, title: record.title, problems: result.problems })
    else written.push(result.text)
  }
  const text = written.length ? writer.header(options) + written.join(writer.separator) : ''
  return { count, text, refused }
}
