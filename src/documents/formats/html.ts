import { Parser } from 'htmlparser2'
import { charsetOf, decodeText, htmlMetaCharset } from '../decode'
import { collapseWhitespace, type Heading, normalizeText, sectionsFromHeadings } from '../sections'
import type { FormatReader, FormatResult } from './reader'

/** Read as HTML, with `<title>` as the fallback title when there is no `<h1>`. */
export const readHtml: FormatReader = async ({ bytes, contentType }) => {
  const { text, encoding } = decodeText(bytes, charsetOf(contentType) ?? htmlMetaCharset(bytes))
  return { ...htmlToText(normalizeText(text)), encoding }
}

/** Elements whose content is never document text: code, styling, navigation chrome, forms. */
const SKIPPED = new Set(['script', 'style', 'nav', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'canvas', 'select', 'button', 'head'])

/** Elements that start and end a block of text. */
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'caption',
  'figure',
  'figcaption',
  'hr',
  'address',
  'details',
  'summary',
  'form',
  'fieldset',
  'legend',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'body',
  'html',
])

/** Blocks that follow each other on the next line rather than after a blank line (and text after a <br>). */
const LINE_BLOCKS = new Set(['li', 'tr', 'dt', 'dd', 'br'])

/**
 * HTML to readable text with its heading structure: one block per paragraph, heading or list
 * item, separated by blank lines; list items as "- " or "1. " lines (nested ones indented),
 * table cells joined with " | ", `<pre>` kept as written. Headings are their own lines, and each
 * opens a section. Shared by the Word reader, whose converter produces HTML.
 */
export function htmlToText(html: string): Omit<FormatResult, 'encoding'> {
  let out = ''
  let buffer = ''
  let lastKind = ''
  let skipDepth = 0
  let preDepth = 0
  let cellCount = 0
  let pendingPrefix = ''
  let inTitle = false
  let documentTitle = ''
  const lists: { ordered: boolean; next: number }[] = []
  // Text flushed when a block opens belongs to the block around it, not to the one opening.
  const openBlocks: string[] = []
  const headings: Heading[] = []

  const flush = (kind: string) => {
    const content = preDepth > 0 ? buffer.replace(/^\n+|\s+$/g, '') : collapseWhitespace(buffer)
    buffer = ''
    cellCount = 0
    if (!content) return
    const separator = !out ? '' : lastKind === 'br' || (LINE_BLOCKS.has(kind) && LINE_BLOCKS.has(lastKind)) ? '\n' : '\n\n'
    out += separator
    const level = /^h([1-6])$/.exec(kind)?.[1]
    if (level) headings.push({ level: Number(level), title: content, start: out.length })
    out += pendingPrefix + content
    pendingPrefix = ''
    lastKind = kind
  }

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'title') inTitle = true
        if (skipDepth > 0 || SKIPPED.has(name) || 'hidden' in attribs || attribs['aria-hidden'] === 'true') {
          skipDepth++
          return
        }
        if (name === 'br') return flush('br')
        if (name === 'td' || name === 'th') {
          if (cellCount++ > 0) buffer += ' | '
          return
        }
        if (!BLOCKS.has(name)) return
        flush(openBlocks[openBlocks.length - 1] ?? 'body')
        openBlocks.push(name)
        if (name === 'pre') preDepth++
        if (name === 'ul' || name === 'ol') lists.push({ ordered: name === 'ol', next: Number(attribs.start ?? 1) || 1 })
        if (name === 'li') {
          const list = lists[lists.length - 1]
          const indent = '  '.repeat(Math.max(0, lists.length - 1))
          pendingPrefix = indent + (list?.ordered ? `${list.next++}. ` : '- ')
        }
      },
      ontext(text) {
        if (inTitle) documentTitle += text
        if (skipDepth === 0) buffer += text
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false
        if (skipDepth > 0) {
          skipDepth--
          return
        }
        if (!BLOCKS.has(name)) return
        flush(name)
        // A closed list or table ends the run of lines: what follows starts after a blank line.
        if (out) lastKind = name
        openBlocks.pop()
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1)
        if (name === 'ul' || name === 'ol') lists.pop()
      },
    },
    { decodeEntities: true, lowerCaseTags: true, recognizeSelfClosing: true },
  )
  parser.end(html)
  flush('end')

  const title = headings.find((h) => h.level === 1)?.title ?? (collapseWhitespace(documentTitle) || undefined)
  return { text: out, sections: sectionsFromHeadings(out, headings), ...(title ? { title } : {}) }
}
