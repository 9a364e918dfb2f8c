import { utf16WithoutBom } from './decode'
import { CorruptDocument, UnsupportedDocumentType } from './errors'

export const DOCUMENT_FORMATS = ['text', 'markdown', 'html', 'pdf', 'docx'] as const
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number]

/** What the upload said about itself: the bytes decide, the name and type break ties. */
export type DocumentUpload = { bytes: Uint8Array; filename: string; contentType?: string | null }

export const SUPPORTED_FORMATS_SENTENCE = 'plain text (.txt), Markdown (.md), HTML (.html), PDF (.pdf) or Word (.docx)'

/** For an upload input's `accept` attribute. */
export const UPLOAD_ACCEPT = [
  '.txt',
  '.text',
  '.md',
  '.markdown',
  '.html',
  '.htm',
  '.pdf',
  '.docx',
  'text/plain',
  'text/markdown',
  'text/html',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
].join(',')

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const MARKDOWN_EXTENSIONS = new Set(['md', 'markdown', 'mdown', 'mkd', 'mdx'])
const HTML_EXTENSIONS = new Set(['html', 'htm', 'xhtml'])

/** Not documents even when their bytes look like text (an SVG is XML, an RTF is ASCII). */
const REFUSED_EXTENSIONS = new Set([
  'png',
  'jpg',
  'jpeg',
  'gif',
  'webp',
  'bmp',
  'tif',
  'tiff',
  'ico',
  'svg',
  'heic',
  'mp3',
  'wav',
  'mp4',
  'mov',
  'avi',
  'zip',
  'gz',
  'tgz',
  '7z',
  'rar',
  'exe',
  'dll',
  'bin',
  'iso',
  'dmg',
  'doc',
  'xls',
  'xlsx',
  'ppt',
  'pptx',
  'odt',
  'rtf',
  'epub',
])

/** Magic numbers of common files we do not read, so the refusal can name what was sent. */
const REFUSED_MAGIC: { name: string; bytes: number[] }[] = [
  { name: 'a PNG image', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { name: 'a JPEG image', bytes: [0xff, 0xd8, 0xff] },
  { name: 'a GIF image', bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: 'a WebP or WAV file', bytes: [0x52, 0x49, 0x46, 0x46] },
  { name: 'a gzip archive', bytes: [0x1f, 0x8b] },
  { name: 'a 7-Zip archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { name: 'a RAR archive', bytes: [0x52, 0x61, 0x72, 0x21] },
  { name: 'a Word 97–2003 (.doc) or other legacy Office file', bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1] },
  { name: 'an RTF file', bytes: [0x7b, 0x5c, 0x72, 0x74, 0x66] },
  { name: 'a program', bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: 'a program', bytes: [0x4d, 0x5a] },
]

/**
 * The format to read an upload as. Magic bytes first (a PDF or a zip says what it is), then the
 * extension and declared type, then a sniff of the text. A file that claims PDF or .docx but is
 * not one is corrupt (the sender meant that format); anything else we cannot read is unsupported.
 */
export function detectFormat(upload: DocumentUpload): DocumentFormat {
  const { bytes } = upload
  const ext = extensionOf(upload.filename)
  const type = (upload.contentType ?? '').split(';')[0]!.trim().toLowerCase()
  const claimsPdf = ext === 'pdf' || type === 'application/pdf'
  const claimsDocx = ext === 'docx' || type === DOCX_TYPE

  if (isPdf(bytes)) return 'pdf'
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04])) {
    if (claimsDocx || containsAscii(bytes, 'word/document.xml')) return 'docx'
    throw unsupported('a zip archive (or a spreadsheet or presentation)')
  }
  if (claimsPdf) throw new CorruptDocument('The file is named as a PDF but is not one: it does not start with a PDF header.')
  if (claimsDocx) throw new CorruptDocument('The file is named as a Word document (.docx) but is not one: it is not a .docx package.')
  const magic = REFUSED_MAGIC.find((m) => startsWith(bytes, m.bytes))
  if (magic) throw unsupported(magic.name)
  if (REFUSED_EXTENSIONS.has(ext) || /^(image|audio|video|font)\//.test(type)) throw unsupported(`a .${ext || type} file`)
  if (looksBinary(bytes)) throw unsupported('a binary file')

  if (HTML_EXTENSIONS.has(ext) || type === 'text/html' || type === 'application/xhtml+xml' || sniffsHtml(bytes)) return 'html'
  if (MARKDOWN_EXTENSIONS.has(ext) || type === 'text/markdown' || type === 'text/x-markdown') return 'markdown'
  return 'text'
}

function unsupported(what: string): UnsupportedDocumentType {
  return new UnsupportedDocumentType(`This looks like ${what}, which cannot be read as a document. Upload ${SUPPORTED_FORMATS_SENTENCE}.`)
}

export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
}

/** PDF readers accept the header anywhere in the first kilobyte, after junk some producers add. */
function isPdf(bytes: Uint8Array): boolean {
  return containsAscii(bytes.subarray(0, 1024), '%PDF-')
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b)
}

function containsAscii(bytes: Uint8Array, needle: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(needle, 0, 'latin1')
}

/** Zero bytes (other than UTF-16's) or many control characters in the first 8 KB mean binary. */
function looksBinary(bytes: Uint8Array): boolean {
  if (utf16WithoutBom(bytes) || bytes[0] === 0xff || bytes[0] === 0xfe || (bytes[0] === 0 && bytes[2] === 0xfe)) return false
  const n = Math.min(bytes.length, 8192)
  let control = 0
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!
    if (b === 0) return true
    if (b < 9 || (b > 13 && b < 32 && b !== 27)) control++
  }
  return control > n * 0.1
}

function sniffsHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 1024))
    .toString('latin1')
    .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
    .trimStart()
    .toLowerCase()
  return head.startsWith('<!doctype html') || head.startsWith('<html')
}
