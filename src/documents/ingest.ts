import type { Kysely } from 'kysely'
import { ChunkOptions, chunkDocument } from '../chunks/chunker'
import type { DB, DocumentFormatName } from '../db/schema'
import type { Logger } from '../log'
import { CorruptDocument, NoExtractableText, UnsupportedDocumentType } from './errors'
import { extractDocument } from './extract'
import { findIngestInput, markDocumentFailed, saveChunks, setIngestProgress } from './queries'

/** The upload's format, as a declared type, so reading the stored bytes again decides as the upload did. */
const CONTENT_TYPE: Record<DocumentFormatName, string> = {
  text: 'text/plain',
  markdown: 'text/markdown',
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
}

/**
 * Reads (when the bytes are still there) and chunks one document, then saves everything in one
 * transaction (see saveChunks). A re-chunk arrives the same way with the text already stored.
 * Safe to run twice: a document that is no longer processing, or gone, is left alone. A file we
 * cannot read marks the document failed with the reason, and is not retried; anything else throws
 * for the queue to retry, and the last attempt's error becomes the reason.
 */
export async function ingestDocument(
  deps: { db: Kysely<DB>; log: Logger },
  documentId: string,
  attempt: { attempts: number; maxAttempts: number },
): Promise<void> {
  const { db, log } = deps
  const doc = await findIngestInput(db, documentId)
  if (doc?.status !== 'processing') return
  const started = performance.now()
  try {
    let extracted: { title?: string; text: string; sections: NonNullable<typeof doc.sections>; encoding?: string | null }
    if (doc.source) {
      await setIngestProgress(db, documentId, { step: 'extracting' })
      // A plain Uint8Array: pdf.js refuses a Node Buffer (what pg returns for bytea).
      const read = await extractDocument({ bytes: new Uint8Array(doc.source), filename: doc.filename ?? '', contentType: CONTENT_TYPE[doc.format] })
      extracted = { title: read.title, text: read.text, sections: read.sections, encoding: read.encoding ?? null }
    } else if (doc.text !== null && doc.sections) {
      extracted = { text: doc.text, sections: doc.sections }
    } else {
      await markDocumentFailed(db, documentId, 'The document has neither its file nor its text any more; upload it again.')
      return
    }
    await setIngestProgress(db, documentId, { step: 'chunking' })
    const chunks = chunkDocument(extracted, ChunkOptions.parse(doc.chunk_options))
    await setIngestProgress(db, documentId, { step: 'saving', chunks: chunks.length })
    const saved = await saveChunks(db, documentId, { ...extracted, chunks })
    if (saved) log.info({ documentId, chunks: chunks.length, ms: Math.round(performance.now() - started) }, 'document ingested')
  } catch (err) {
    if (err instanceof CorruptDocument || err instanceof NoExtractableText || err instanceof UnsupportedDocumentType) {
      await markDocumentFailed(db, documentId, err.message)
      log.info({ documentId, code: err.code }, 'document could not be read')
      return
    }
    if (attempt.attempts >= attempt.maxAttempts) {
      await markDocumentFailed(db, documentId, `Processing failed after ${attempt.attempts} attempts: ${err instanceof Error ? err.message : String(err)}`)
    }
    throw err
  }
}
