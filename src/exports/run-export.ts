import { mkdir, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Deps } from '../deps'
import { recordError } from '../error-log/record'
import { FileSink, type OpenFile } from './file-sink'
import { WRITERS } from './formats'
import type { FormatWriter } from './formats/format'
import { claimExport, type ExportFile, type ExportReport, type ExportRow, failExport, finishExport, recordProgress } from './queries'
import { countInScope, forEachBatch, selectRecords } from './records'
import { ExportOptions, ExportScope } from './schemas'
import { isValidation } from './split'

const BATCH_SIZE = 1000
const PROGRESS_EVERY_MS = 500
/** The report lists this many refused conversations; invalid_count counts them all. */
const INVALID_LISTED = 200

/** A refusal the person can act on (nothing to export), as opposed to a fault of the machine. */
export class ExportRefused extends Error {}

type Part = { key: 'all' | 'train' | 'validation'; sink?: FileSink; count: number; largestTokens: number; pending: string[] }

/** File names: on disk by export id (never guessable from user input), for download by what it is. */
export function fileNames(row: Pick<ExportRow, 'id' | 'format' | 'created_at'>, part: Part['key'], gzip: boolean) {
  const writer = WRITERS[row.format]
  const suffix = `${part === 'all' ? '' : `-${part}`}.${writer.extension}${gzip ? '.gz' : ''}`
  const day = row.created_at.toISOString().slice(0, 10)
  return { disk: `${row.id}${suffix}`, download: `train-data-${row.format}-${day}-${row.id.slice(0, 8)}${suffix}` }
}

/** A sentence for the export's error column: what went wrong, without a stack. */
export function describeFailure(err: unknown, dir: string): string {
  if (err instanceof ExportRefused) return err.message
  const code = err instanceof Error && 'code' in err ? String(err.code) : ''
  const detail = err instanceof Error ? err.message : String(err)
  if (code === 'ENOSPC') return `The disk holding ${dir} is full (ENOSPC); no file was kept. Free some space and run the export again.`
  if (code === 'EACCES' || code === 'EPERM')
    return `The worker may not write to ${dir} (${code}); no file was kept. Fix the folder's permissions and run the export again.`
  if (code === 'EROFS') return `${dir} is on a read-only file system (EROFS); no file was kept.`
  if (code) return `Writing the export file failed (${code}: ${detail}); no file was kept.`
  return `The export failed: ${detail}`
}

/**
 * Runs one export: streams its conversations through the format writer into temporary files
 * (one, or train + validation), then renames them into place and records count, size and sha256.
 * Any failure marks the export failed with the reason and leaves no file under a final name.
 */
export async function runExport(deps: Deps, exportId: string, io: { openFile?: OpenFile } = {}): Promise<void> {
  const { db, config, log } = deps
  const row = await claimExport(db, exportId)
  if (!row) return
  const started = performance.now()
  const dir = config.exportDir
  const writer = WRITERS[row.format]
  const scope = ExportScope.parse(row.scope)
  const options = ExportOptions.parse(row.options)
  const parts: Part[] = (options.validation_percent > 0 ? (['train', 'validation'] as const) : (['all'] as const)).map((key) => ({
    key,
    count: 0,
    largestTokens: 0,
    pending: [],
  }))
  const report: ExportReport = { total: 0, written: 0, invalid_count: 0, invalid: [], warnings: [], largest_example_tokens: 0 }
  try {
    await mkdir(dir, { recursive: true })
    await removeLeftovers(dir, row.id)
    report.total = await countInScope(db, scope, options)
    if (report.total === 0)
      throw new ExportRefused('No conversations match this export’s scope, so no file was written. Widen the filter or approve some conversations first.')
    await recordProgress(db, row.id, 0, report.total)

    let lastProgress = performance.now()
    const writeOptions = { include_metadata: options.include_metadata, include_system_prompt: options.include_system_prompt }
    const query = selectRecords(db, scope, options, writer.usesMetadata && options.include_metadata)
    await forEachBatch(db, query, BATCH_SIZE, async (records) => {
      for (const record of records) {
        const result = writer.record(record, writeOptions)
        if ('problems' in result) {
          report.invalid_count++
          if (report.invalid.length < INVALID_LISTED) report.invalid.push({ id: record.id, title: record.title, problems: result.problems })
          continue
        }
        const part = parts.length === 1 ? parts[0]! : parts[isValidation(record.id, options.split_seed, options.validation_percent) ? 1 : 0]!
        part.pending.push(part.count === 0 ? writer.header(writeOptions) : writer.separator, result.text)
        part.count++
        part.largestTokens = Math.max(part.largestTokens, result.tokens)
      }
      for (const part of parts) await flush(part, row, options.gzip, dir, io.openFile)
      report.written = parts.reduce((sum, p) => sum + p.count, 0)
      if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now()
        await recordProgress(db, row.id, report.written, report.total)
      }
    })
    if (report.written === 0) {
      throw new ExportRefused(
        `None of the ${report.total} conversations in scope can be written as ${writer.label}; the report lists why. No file was written.`,
      )
    }

    const files: ExportFile[] = []
    for (const part of parts.filter((p) => p.sink)) {
      await part.sink!.write(writer.footer)
      const written = await part.sink!.commit()
      files.push({ name: fileNames(row, part.key, options.gzip).download, path: part.sink!.finalPath, ...written, count: part.count })
    }
    report.largest_example_tokens = Math.max(...parts.map((p) => p.largestTokens))
    report.warnings = summarise(writer, parts, report)
    const durationMs = Math.round(performance.now() - started)
    const finished = await finishExport(db, row.id, {
      count: report.written,
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      sha256: files[0]!.sha256,
      files,
      report,
      durationMs,
      expiresAt: new Date(Date.now() + config.exportRetentionMs),
    })
    // Deleted while running: its files must not outlive it.
    if (!finished) await Promise.all(files.map((f) => rm(f.path, { force: true })))
    log.info({ exportId: row.id, format: row.format, count: report.written, invalid: report.invalid_count, ms: durationMs }, 'export finished')
  } catch (err) {
    await Promise.all(parts.map((p) => p.sink?.abort()))
    const reason = describeFailure(err, dir)
    log.warn({ exportId: row.id, reason }, 'export failed')
    // A refusal (nothing to export) is the person's to act on; a fault of the machine goes to the error log.
    if (!(err instanceof ExportRefused)) {
      await recordError(db, log, {
        code: 'export_failed',
        message: reason,
        stack: err instanceof Error ? err.stack : undefined,
        context: { export_id: row.id, format: row.format, user_id: row.created_by },
      })
    }
    await failExport(db, row.id, reason, report, Math.round(performance.now() - started))
  }
}

/** Writes what the batch produced for one file, opening the file on its first record. */
async function flush(part: Part, row: ExportRow, gzip: boolean, dir: string, openFile?: OpenFile): Promise<void> {
  if (!part.pending.length) return
  part.sink ??= await FileSink.open(path.join(dir, fileNames(row, part.key, gzip).disk), { gzip, openFile })
  const text = part.pending.join('')
  part.pending = []
  await part.sink.write(text)
}

function summarise(writer: FormatWriter, parts: Part[], report: ExportReport): string[] {
  const warnings: string[] = []
  if (report.invalid_count) warnings.push(`${report.invalid_count} of ${report.total} conversations break the format’s rules and were left out (listed below).`)
  for (const part of parts) {
    const label = part.key === 'all' ? '' : `The ${part.key} file: `
    if (part.key !== 'all' && part.count === 0) warnings.push(`${label}no conversations fell into it, so it was not written.`)
    else for (const warning of writer.warnings?.({ count: part.count, largestTokens: part.largestTokens }) ?? []) warnings.push(label + warning)
  }
  return warnings
}

/** Temporary files of earlier attempts (a killed worker leaves them behind): never served, removed on re-run. */
async function removeLeftovers(dir: string, id: string): Promise<void> {
  const names = await readdir(dir)
  await Promise.all(names.filter((n) => n.startsWith(id) && n.endsWith('.tmp')).map((n) => rm(path.join(dir, n), { force: true })))
}
