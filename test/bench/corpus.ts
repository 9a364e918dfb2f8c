/** Generated prose for the ingest benches: the same corpus for the extract-and-chunk and the database figures. */
const WORDS = (
  'refund order delivery account password invoice customer support policy return label warranty ' +
  'shipping payment card subscription plan upgrade cancel update device network error setting team ' +
  'manager request within days after before the a to of and for with your our we you can must may'
).split(' ')

export type Format = 'text' | 'markdown' | 'html'

/** Deterministic prose: sentences of 6–20 words, paragraphs of 2–7, a heading every 6 paragraphs. */
export function corpus(bytes: number, format: Format): string {
  let seed = 42
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  const pick = () => WORDS[Math.floor(random() * WORDS.length)]!
  const parts: string[] = []
  let length = 0
  const add = (part: string) => {
    parts.push(part)
    length += part.length
  }
  for (let paragraph = 0; length < bytes; paragraph++) {
    if (format !== 'text' && paragraph % 6 === 0) {
      const level = paragraph % 36 === 0 ? 1 : 2
      const title = `Section ${paragraph / 6} ${pick()} ${pick()}`
      add(format === 'markdown' ? `${'#'.repeat(level)} ${title}\n\n` : `<h${level}>${title}</h${level}>\n`)
    }
    const sentences: string[] = []
    for (let s = 2 + Math.floor(random() * 6); s > 0; s--) {
      const words = Array.from({ length: 6 + Math.floor(random() * 15) }, pick)
      sentences.push(`${words.join(' ').replace(/^./, (c) => c.toUpperCase())}${random() < 0.1 ? '?' : '.'}`)
    }
    add(format === 'html' ? `<p>${sentences.join(' ')}</p>\n` : `${sentences.join(' ')}\n\n`)
  }
  return format === 'html' ? `<!doctype html><html><body>${parts.join('')}</body></html>` : parts.join('')
}
