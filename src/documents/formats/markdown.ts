import { Lexer, type Token } from 'marked'
import { charsetOf, decodeText } from '../decode'
import { collapseWhitespace, type Heading, normalizeText, sectionsFromHeadings } from '../sections'
import type { FormatReader } from './reader'

/**
 * Markdown keeps its source as the text (lists, tables and code stay readable to a model) and
 * takes its structure from marked's block lexer: ATX and setext headings, but not a `#` inside a
 * code block. Only the block pass runs; inline markup is lexed for heading titles alone, which
 * keeps a 10 MB file to a few seconds.
 */
export const readMarkdown: FormatReader = async ({ bytes, contentType }) => {
  const { text: raw, encoding } = decodeText(bytes, charsetOf(contentType))
  const text = normalizeText(raw)
  const headings = markdownHeadings(text)
  const title = headings.find((h) => h.level === 1)?.title
  return { text, sections: sectionsFromHeadings(text, headings), encoding, ...(title ? { title } : {}) }
}

export function markdownHeadings(text: string): Heading[] {
  const headings: Heading[] = []
  let offset = 0
  for (const token of new Lexer().blockTokens(text)) {
    // Top-level tokens tile the source; re-find one only if the lexer ever rewrote its raw text.
    const at = text.startsWith(token.raw, offset) ? offset : text.indexOf(token.raw, offset)
    if (at >= 0) offset = at
    if (token.type === 'heading') {
      const title = collapseWhitespace(plainText(Lexer.lexInline(token.text)))
      const lineStart = offset + (token.raw.length - token.raw.trimStart().length)
      if (title) headings.push({ level: token.depth as number, title, start: lineStart })
    }
    offset += token.raw.length
  }
  return headings
}

/** The words of inline tokens without their markup: `**Refunds** and [returns](/r)` → "Refunds and returns". */
function plainText(tokens: Token[]): string {
  return tokens.map((t) => ('tokens' in t && t.tokens?.length ? plainText(t.tokens) : 'text' in t ? String(t.text) : '')).join('')
}
