import type { Kysely } from 'kysely'
import type { ChunkOptions } from '../chunks/chunker'
import type { DB } from '../db/schema'
import { AppError } from '../errors'
import { uploadTooLarge } from '../http/middleware'
import { detectFormat } from './detect'
import { NoExtractableText } from './errors'
import { extractPastedText, sha256Hex, titleFrom } from './extract'
import { type DocumentRow, insertDocument } from './queries'

/** What an instance allows and starts with (from its config): the largest upload and the chunking a new document gets. */
export type UploadLimits = { maxUploadBytes: number; chunkDefaults: ChunkOptions }

export type UploadedFile = { bytes: Uint8Array; filename: string; contentType: string | null }

/** A file of a multi-file upload that did not become a document, and why (the status a single upload would get). */
export type RefusedFile = { filename: string; status: number; code: string; message: string; details?: Record<string, unknown> }

/**
 * One uploaded file to a document waiting for the ingest task. What can be told from the bytes
 * alone is refused here: an unknown type (415), a file over MAX_UPLOAD_BYTES (413), an empty or
 * whitespace-only file (400), content already uploaded (409). Reading the text (and finding a PDF
 * corrupt or without a text layer) is the task's, which marks the document failed with the reason.
 */
export async function documentFromFile(db: Kysely<DB>, file: UploadedFile, limits: UploadLimits, userId: string): Promise<DocumentRow> {
  const format = detectFormat(file)
  if (file.bytes.length > limits.maxUploadBytes) throw uploadTooLarge(limits.maxUploadBytes)
  if (!file.bytes.length) throw new NoExtractableText('The file is empty.')
  if (format !== 'pdf' && format !== 'docx' && isBlank(file.bytes)) throw new NoExtractableText('The file has no text to use: it is only whitespace.')
  return insertDocument(db, {
    title: titleFrom(undefined, file.filename),
    filename: file.filename || null,
    format,
    bytes: file.bytes.length,
    sha256: sha256Hex(file.bytes),
    chunkOptions: limits.chunkDefaults,
    createdBy: userId,
    source: file.bytes,
  })
}

/** Text sent as JSON `{title, text}`: already text, so the task only chunks it. */
export async function documentFromText(db: Kysely<DB>, input: { title: string; text: string }, limits: UploadLimits, userId: string): Promise<DocumentRow> {
  const doc = extractPastedText(input)
  if (doc.bytes > limits.maxUploadBytes) throw uploadTooLarge(limits.maxUploadBytes)
  return insertDocument(db, {
    title: doc.title,
    filename: null,
    format: doc.format,
    bytes: doc.bytes,
    sha256: doc.sha256,
    chunkOptions: limits.chunkDefaults,
    createdBy: userId,
    text: doc.text,
    sections: doc.sections,
    encoding: doc.encoding ?? null,
  })
}

/** Several files: each becomes a document or is refused on its own, so one bad file does not sink the rest. */
export async function documentsFromFiles(
  db: Kysely<DB>,
  files: UploadedFile[],
  limits: UploadLimits,
  userId: string,
): Promise<{ items: DocumentRow[]; refused: RefusedFile[] }> {
  const items: DocumentRow[] = []
  const refused: RefusedFile[] = []
  for (const file of files) {
    try {
      items.push(await documentFromFile(db, file, limits, userId))
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err
      refused.push({ filename: file.filename, status: err.status, code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) })
    }
  }
  return { items, refused }
}

/** Only ASCII whitespace after an optional UTF-8 byte-order mark. */
function isBlank(bytes: Uint8Array): boolean {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  for (let i = start; i < bytes.length; i++) {
    const b = bytes[i]!
    if (b !== 0x20 && (b < 0x09 || b > 0x0d)) return false
  }
  return true
}

/** The files of a multipart body's `file` field (one or several). */
export async function filesFromBody(body: Record<string, unknown>): Promise<UploadedFile[]> {
  const field = body.file
  const values = Array.isArray(field) ? field : field === undefined ? [] : [field]
  const files = values.filter((v): v is File => v instanceof File)
  return Promise.all(files.map(async (f) => ({ bytes: new Uint8Array(await f.arrayBuffer()), filename: f.name, contentType: f.type || null })))
}
