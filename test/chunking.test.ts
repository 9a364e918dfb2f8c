import { describe, expect, it } from 'vitest'
import { type Chunk, ChunkOptions, type ChunkSource, chunkDocument, DEFAULT_CHUNK_OPTIONS } from '../src/chunks/chunker'
import { countTokens, scanPieces } from '../src/chunks/tokens'
import { extractDocument } from '../src/documents/extract'
import { sectionsFromHeadings } from '../src/documents/sections'

const SENTENCES = [
  'Refunds are paid to the card you used within five working days.',
  'Keep the receipt, because we ask for the order number.',
  'Damaged items can be returned for free with a prepaid label.',
  'Is the parcel late?',
  'Call us on weekdays between nine and five!',
  'Gift cards cannot be exchanged for cash (sorry).',
]

/** `count` sentences, `perParagraph` to a paragraph. */
function prose(count: number, perParagraph = 1_000_000): string {
  let text = ''
  for (let i = 0; i < count; i++) text += SENTENCES[i % SENTENCES.length] + (i === count - 1 ? '' : (i + 1) % perParagraph === 0 ? '\n\n' : ' ')
  return text
}

const plain = (text: string): ChunkSource => ({ text, sections: sectionsFromHeadings(text, []) })
const options = (o: Partial<ChunkOptions>): ChunkOptions => ChunkOptions.parse({ ...DEFAULT_CHUNK_OPTIONS, ...o })

/** What every chunking must hold: offsets into the source, limits, order, and nothing lost. */
function expectWellFormed(source: ChunkSource, chunks: Chunk[], o: ChunkOptions) {
  chunks.forEach((chunk, i) => {
    expect(chunk.ordinal).toBe(i)
    expect(chunk.text).toBe(source.text.slice(chunk.char_start, chunk.char_end))
    expect(chunk.text).toBe(chunk.text.trim())
    expect(chunk.text.length).toBeGreaterThan(0)
    expect(chunk.tokens).toBe(countTokens(chunk.text))
    expect(chunk.tokens).toBeLessThanOrEqual(o.max_tokens)
    if (i > 0) {
      expect(chunk.char_start).toBeGreaterThan(chunks[i - 1]!.char_start)
      expect(chunk.char_end).toBeGreaterThan(chunks[i - 1]!.char_end)
    }
  })
  // Every non-space character of the source is in some chunk.
  const covered = new Uint8Array(source.text.length)
  for (const c of chunks) covered.fill(1, c.char_start, c.char_end)
  const lost = [...source.text].findIndex((ch, i) => !covered[i] && /\S/.test(ch))
  expect(lost, `character ${lost} is in no chunk`).toBe(-1)
}

describe('countTokens', () => {
  it('counts nothing for empty text and about one token per short English word', () => {
    expect(countTokens('')).toBe(0)
    const sentence = 'The quick brown fox jumps over the lazy dog.'
    expect(countTokens(sentence)).toBe(sentence.split(' ').length + 1)
  })

  it('comes out near four characters a token on English prose, like the cost estimate', () => {
    const text = prose(300, 4)
    const ratio = text.length / countTokens(text)
    expect(ratio).toBeGreaterThan(3.5)
    expect(ratio).toBeLessThan(5)
  })

  it('counts CJK characters one each, digits in threes and long words in sixes', () => {
    expect(countTokens('返品は三十日以内')).toBe(8)
    expect(countTokens('1234567')).toBe(3)
    expect(countTokens('internationalisation')).toBe(Math.ceil('internationalisation'.length / 6))
    expect(countTokens('café')).toBe(1)
  })

  it('counts code and symbols more densely than prose', () => {
    const code = 'if (x[i] != y[j]) { return {a: 1, b: [2, 3]}; }'
    expect(code.length / countTokens(code)).toBeLessThan(3)
  })

  it('agrees with the running totals the chunker scans', () => {
    const text = `${prose(40, 3)}\n\n返品は三十日以内 — 1234567 café\t\tend`
    const pieces = scanPieces(text, 0, text.length)
    expect(pieces.cumulative[pieces.count - 1]).toBe(countTokens(text))
    expect(pieces.ends[pieces.count - 1]).toBe(text.length)
  })
})

describe('chunk options', () => {
  it('defaults to 512 tokens with 64 of overlap, by headings', () => {
    expect(ChunkOptions.parse({})).toEqual({ max_tokens: 512, overlap_tokens: 64, by_headings: true })
  })

  it('refuses an overlap of more than half a chunk, naming the field', () => {
    const result = ChunkOptions.safeParse({ max_tokens: 200, overlap_tokens: 101 })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['overlap_tokens'])
    expect(ChunkOptions.safeParse({ max_tokens: 200, overlap_tokens: 100 }).success).toBe(true)
  })

  it('refuses chunks too small or too large, and fractional or negative sizes', () => {
    for (const bad of [{ max_tokens: 31 }, { max_tokens: 8193 }, { max_tokens: 100.5 }, { overlap_tokens: -1 }, { by_headings: 'yes' }]) {
      expect(ChunkOptions.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})

describe('chunkDocument', () => {
  it('gives nothing for an empty or whitespace-only text', () => {
    expect(chunkDocument(plain(''))).toEqual([])
    expect(chunkDocument(plain(' \n\n\t '))).toEqual([])
  })

  it('keeps a short text whole, trimmed, with its offsets', () => {
    const text = '\n\n  Refunds take five days.  \n'
    const [chunk, ...rest] = chunkDocument(plain(text))
    expect(rest).toEqual([])
    expect(chunk).toEqual({
      ordinal: 0,
      heading_path: [],
      text: 'Refunds take five days.',
      tokens: countTokens('Refunds take five days.'),
      char_start: 4,
      char_end: 27,
    })
  })

  it('cuts a long text into chunks within the limit that lose nothing', () => {
    const source = plain(prose(400, 5))
    const o = options({ max_tokens: 200, overlap_tokens: 40 })
    const chunks = chunkDocument(source, o)
    expect(chunks.length).toBeGreaterThan(10)
    expectWellFormed(source, chunks, o)
  })

  it('cuts at paragraph ends when paragraphs fit', () => {
    const source = plain(prose(200, 4))
    const o = options({ max_tokens: 256, overlap_tokens: 0 })
    const chunks = chunkDocument(source, o)
    expectWellFormed(source, chunks, o)
    for (const chunk of chunks.slice(0, -1)) expect(source.text.slice(chunk.char_end, chunk.char_end + 2)).toBe('\n\n')
    for (const chunk of chunks.slice(1)) expect(source.text.slice(chunk.char_start - 2, chunk.char_start)).toBe('\n\n')
  })

  it('cuts at sentence ends inside one long paragraph, and starts each overlap at a sentence', () => {
    const source = plain(prose(200))
    const o = options({ max_tokens: 128, overlap_tokens: 32 })
    const chunks = chunkDocument(source, o)
    expectWellFormed(source, chunks, o)
    for (const chunk of chunks) {
      expect(SENTENCES.some((s) => chunk.text.startsWith(s))).toBe(true)
      expect(SENTENCES.some((s) => chunk.text.endsWith(s))).toBe(true)
    }
  })

  it('cuts between words when a sentence is longer than a chunk, never inside a word', () => {
    const words = Array.from({ length: 3000 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta'][i % 4] + String(i % 10))
    const source = plain(words.join(' '))
    const o = options({ max_tokens: 64, overlap_tokens: 8 })
    const chunks = chunkDocument(source, o)
    expectWellFormed(source, chunks, o)
    for (const chunk of chunks) {
      expect(source.text[chunk.char_start - 1] ?? ' ').toBe(' ')
      expect(source.text[chunk.char_end] ?? ' ').toBe(' ')
    }
  })

  it('still cuts one unbroken run of characters, and text without spaces like Japanese', () => {
    const run = plain('x'.repeat(20_000))
    const japanese = plain('返品は購入日から三十日以内に受け付けます'.repeat(200))
    const o = options({ max_tokens: 100, overlap_tokens: 0 })
    for (const source of [run, japanese]) {
      const chunks = chunkDocument(source, o)
      expect(chunks.length).toBeGreaterThan(1)
      expectWellFormed(source, chunks, o)
    }
  })

  it('overlaps neighbours by at most the overlap, and not at all with no overlap', () => {
    const source = plain(prose(300, 3))
    const overlapping = chunkDocument(source, options({ max_tokens: 160, overlap_tokens: 48 }))
    let overlaps = 0
    for (const [i, chunk] of overlapping.entries()) {
      const previous = overlapping[i - 1]
      if (!previous || chunk.char_start >= previous.char_end) continue
      overlaps++
      expect(countTokens(source.text.slice(chunk.char_start, previous.char_end))).toBeLessThanOrEqual(48)
    }
    expect(overlaps).toBeGreaterThan(overlapping.length / 2)

    const separate = chunkDocument(source, options({ max_tokens: 160, overlap_tokens: 0 }))
    for (const [i, chunk] of separate.entries()) if (i > 0) expect(chunk.char_start).toBeGreaterThanOrEqual(separate[i - 1]!.char_end)
    expect(separate.length).toBeLessThan(overlapping.length)
  })

  describe('by headings', () => {
    const markdown = [
      '# Handbook',
      '',
      '## Refunds',
      '',
      prose(6),
      '',
      '## Shipping',
      '',
      prose(80, 4),
      '',
      '### Abroad',
      '',
      'Customs fees are yours to pay.',
      '',
    ].join('\n')

    it('keeps each chunk inside one section, under its heading path, folding a heading-only section into the next', async () => {
      const doc = await extractDocument({ bytes: new TextEncoder().encode(markdown), filename: 'handbook.md' })
      const o = options({ max_tokens: 200, overlap_tokens: 20 })
      const chunks = chunkDocument(doc, o)
      expectWellFormed(doc, chunks, o)
      expect(chunks[0]!.heading_path).toEqual(['Handbook', 'Refunds'])
      expect(chunks[0]!.text.startsWith('# Handbook\n\n## Refunds\n\nRefunds are paid')).toBe(true)
      expect(chunks[0]!.text.endsWith(SENTENCES[5]!)).toBe(true)
      const shipping = chunks.filter((c) => JSON.stringify(c.heading_path) === '["Handbook","Shipping"]')
      expect(shipping.length).toBeGreaterThan(1)
      expect(shipping[0]!.text.startsWith('## Shipping')).toBe(true)
      expect(chunks.at(-1)).toMatchObject({ heading_path: ['Handbook', 'Shipping', 'Abroad'], text: '### Abroad\n\nCustoms fees are yours to pay.' })
      // No chunk runs past the end of the section it is labelled with.
      for (const chunk of chunks) {
        const section = doc.sections.find((s) => JSON.stringify(s.heading_path) === JSON.stringify(chunk.heading_path))!
        expect(chunk.char_end).toBeLessThanOrEqual(section.end)
        expect(chunk.char_start).toBeGreaterThanOrEqual(section.heading_path.length === 2 && section.heading_path[1] === 'Refunds' ? 0 : section.start)
      }
    })

    it('lets chunks run across headings when by_headings is off, labelling each by the section it starts in', async () => {
      const doc = await extractDocument({ bytes: new TextEncoder().encode(markdown), filename: 'handbook.md' })
      const o = options({ max_tokens: 400, overlap_tokens: 0, by_headings: false })
      const chunks = chunkDocument(doc, o)
      expectWellFormed(doc, chunks, o)
      expect(chunks[0]!.heading_path).toEqual(['Handbook'])
      expect(chunks[0]!.text).toContain('## Shipping')
      const abroad = doc.text.indexOf('### Abroad')
      const last = chunks.at(-1)!
      expect(last.heading_path).toEqual(doc.sections.find((s) => s.start <= last.char_start && last.char_start < s.end)!.heading_path)
      expect(last.char_end).toBeGreaterThan(abroad)
    })
  })
})
