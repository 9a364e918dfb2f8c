/** A stretch of the extracted text and the headings it sits under, outermost first. */
export type Section = { heading_path: string[]; start: number; end: number }

/** A heading found in the extracted text: its level (1 = top) and where its line starts. */
export type Heading = { level: number; title: string; start: number }

/**
 * Sections from headings in text order: each heading opens a section that runs to the next one,
 * and its path is the chain of enclosing headings (a heading closes every open one at its level
 * or deeper). Text before the first heading is a section with an empty path. Together the
 * sections cover the text, so every offset belongs to exactly one.
 */
export function sectionsFromHeadings(text: string, headings: Heading[]): Section[] {
  const sections: Section[] = []
  const firstStart = headings[0]?.start ?? text.length
  if (firstStart > 0 && text.slice(0, firstStart).trim()) sections.push({ heading_path: [], start: 0, end: firstStart })
  const open: { level: number; title: string }[] = []
  headings.forEach((heading, i) => {
    while (open.length && open[open.length - 1]!.level >= heading.level) open.pop()
    open.push(heading)
    sections.push({ heading_path: open.map((h) => h.title), start: heading.start, end: headings[i + 1]?.start ?? text.length })
  })
  return sections
}

/**
 * Extracted text in one shape whatever the source: LF line ends, no byte-order mark, no control
 * characters other than tab and newline (a NUL would also break PostgreSQL text columns).
 */
export function normalizeText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
}

/** Headings and titles are one line of single-spaced text. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}
