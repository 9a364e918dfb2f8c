import { createHash } from 'node:crypto'
import { type DocumentFormat, type DocumentUpload, detectFormat, extensionOf } from './detect'
import { NoExtractableText } from './errors'
import { readDocx } from './formats/docx'
import { readHtml } from './formats/html'
import { readMarkdown } from './formats/markdown'
import { readPdf } from './formats/pdf'
import type { FormatReader } from './formats/reader'
import { readText } from './formats/text'
import { collapseWhitespace, normalizeText, type Section, sectionsFromHeadings } from './sections'

export type { DocumentFormat, DocumentUpload } from './detect'
export type { Section } from './sections'

/**
 * A document's text ready for chunking. `sections` cover `text` in order, each with the headings
 * it sits under; offsets are indexes into `text` (UTF-16 code units, as String.prototype.slice).
 */
export type ExtractedDocument = {
  title: string
  format: DocumentFormat
  text: string
  sections: Section[]
  /** Hex SHA-256 of the uploaded bytes (or of the pasted text as UTF-8): same content, same hash. */
  sha256: string
  bytes: number
  /** The character encoding the text was read in, for the text-based formats. */
  encoding?: string
}

const READERS: Record<DocumentFormat, FormatReader> = {
  text: readText,
  markdown: readMarkdown,
  html: readHtml,
  pdf: readPdf,
  docx: readDocx,
}

/** Titles longer than this are cut: a title is a label, not content. */
const MAX_TITLE = 200

/**
 * An uploaded file to text and structure. Throws UnsupportedDocumentType (415) for a format we do
 * not read, CorruptDocument (422, with a reason a person can act on) for a damaged file, and
 * NoExtractableText (400) when nothing but whitespace comes out.
 */
export async function extractDocument(upload: DocumentUpload): Promise<ExtractedDocument> {
  const sha256 = sha256Hex(upload.bytes)
  if (!upload.bytes.length) throw new NoExtractableText('The file is empty.')
  const format = detectFormat(upload)
  const read = await READERS[format](upload)
  if (!read.text.trim()) {
    throw new NoExtractableText(
      format === 'pdf'
        ? 'The PDF has no text layer (it may be a scan); run it through OCR and upload the result.'
        : 'The file has no text to use: it is empty or only whitespace.',
    )
  }
  return {
    title: titleFrom(read.title, upload.filename),
    format,
    text: read.text,
    sections: read.sections,
    sha256,
    bytes: upload.bytes.length,
    ...(read.encoding ? { encoding: read.encoding } : {}),
  }
}

/** Text pasted or sent as JSON `{title, text}`: plain text with the title it was given. */
export function extractPastedText(input: { title: string; text: string }): ExtractedDocument {
  const text = normalizeText(input.text)
  if (!text.trim()) throw new NoExtractableText('The text is empty or only whitespace.')
  const encoded = Buffer.from(input.text, 'utf8')
  return {
    title: titleFrom(input.title, ''),
    format: 'text',
    text,
    sections: sectionsFromHeadings(text, []),
    sha256: sha256Hex(encoded),
    bytes: encoded.length,
    encoding: 'utf-8',
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The file's own title, else its name without the extension, else a placeholder. */
export function titleFrom(own: string | undefined, filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? ''
  const ext = extensionOf(base)
  const fromName = collapseWhitespace(ext ? base.slice(0, -(ext.length + 1)) : base)
  const title = collapseWhitespace(own ?? '') || fromName || 'Untitled document'
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title
}
