import { Parser } from 'htmlparser2'
import JSZip from 'jszip'
import mammoth from 'mammoth'
import { CorruptDocument } from '../errors'
import { collapseWhitespace, normalizeText } from '../sections'
import { htmlToText } from './html'
import type { FormatReader } from './reader'

/**
 * Word (.docx) through mammoth, which maps paragraph styles to HTML (Heading 1–6 to h1–h6; we add
 * Title to h1), then the HTML reader, so headings become sections exactly as they do for HTML.
 * The core properties' title (File › Properties) is the fallback title.
 */
export const readDocx: FormatReader = async ({ bytes }) => {
  let zip: JSZip
  try {
    zip = await JSZip.loadAsync(bytes)
  } catch {
    throw new CorruptDocument('The Word document is damaged: it is not a readable .docx package.')
  }
  if (!zip.file('word/document.xml')) throw new CorruptDocument('The Word document is damaged: it has no document body (word/document.xml).')
  let html: string
  try {
    html = (await mammoth.convertToHtml({ buffer: Buffer.from(bytes) }, { styleMap: ["p[style-name='Title'] => h1:fresh"] })).value
  } catch {
    throw new CorruptDocument('The Word document is damaged: its content could not be read.')
  }
  const { text, sections, title } = htmlToText(normalizeText(html))
  const fallback = title ?? (await coreTitle(zip))
  return { text, sections, ...(fallback ? { title: fallback } : {}) }
}

/** `<dc:title>` from docProps/core.xml, if the author set one. */
async function coreTitle(zip: JSZip): Promise<string | undefined> {
  const xml = await zip
    .file('docProps/core.xml')
    ?.async('string')
    .catch(() => undefined)
  if (!xml) return undefined
  let inside = false
  let title = ''
  const parser = new Parser(
    {
      onopentag: (name) => {
        inside = name === 'dc:title'
      },
      ontext: (text) => {
        if (inside) title += text
      },
      onclosetag: () => {
        inside = false
      },
    },
    { xmlMode: true, decodeEntities: true },
  )
  parser.end(xml)
  return collapseWhitespace(title) || undefined
}
