import { open } from 'node:fs/promises'
import { when } from '../../views/format'
import { AppError, Conflict, NotFound } from '../errors'
import { WRITERS } from './formats'
import type { ExportFile, ExportRow } from './queries'

/** The export existed, but its file is gone for good (expired or deleted). */
export class Gone extends AppError {
  override readonly status = 410
  override readonly code = 'gone'
}

/**
 * The file to send for a download: the first (train) file unless `name` picks another. Refuses,
 * with a sentence, an export that is deleted, expired or not finished.
 */
export async function openDownload(row: ExportRow, name?: string) {
  if (row.deleted_at) throw new Gone(`This export was deleted on ${when(row.deleted_at)}; its file is gone. Run it again from the exports page.`)
  if (row.status === 'expired' || (row.expires_at && row.expires_at <= new Date())) {
    throw new Gone(`This export expired on ${when(row.expires_at ?? new Date())} and its file was removed. Run it again from the exports page.`)
  }
  if (row.status === 'failed') throw new Conflict(`This export failed, so there is no file: ${row.error ?? 'unknown reason'}`)
  if (row.status !== 'done') throw new Conflict(`This export is still ${row.status}; its file can be downloaded once it is done.`)
  const file: ExportFile | undefined = name ? row.files.find((f) => f.name === name) : row.files[0]
  if (!file) throw new NotFound(`This export has no file named ${name}.`)
  const handle = await open(file.path, 'r').catch((err: unknown) => {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
      throw new Gone('This export’s file is no longer on disk. Run it again from the exports page.')
    throw err
  })
  const contentType = file.name.endsWith('.gz') ? 'application/gzip' : WRITERS[row.format].contentType
  return { handle, file, contentType }
}
