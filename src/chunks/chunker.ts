import { z } from 'zod'
import type { Section } from '../documents/sections'
import { countTokens, PieceKind, type Pieces, scanPieces } from './tokens'

/**
 * How a document is cut into chunks. Bounds keep a rechunk sane: a chunk must hold more than
 * a few words (and more than the 12 tokens one piece of text can cost, so every cut fits) and
 * fit comfortably in a prompt; the overlap may be at most half a chunk (more would store most of
 * the document twice and make chunk counts explode).
 */
export const ChunkOptions = z
  .object({
    max_tokens: z.number().int().min(32).max(8192).default(512),
    overlap_tokens: z.number().int().min(0).max(4096).default(64),
    by_headings: z.boolean().default(true),
  })
  .refine((o) => o.overlap_tokens <= o.max_tokens / 2, {
    message: 'overlap_tokens must be at most half of max_tokens',
    path: ['overlap_tokens'],
  })

export type ChunkOptions = z.output<typeof ChunkOptions>
export const DEFAULT_CHUNK_OPTIONS: ChunkOptions = ChunkOptions.parse({})

/** Offsets index the document's extracted text: `text === source.slice(char_start, char_end)`. */
export type Chunk = {
  /** Position in the document, from 0. */
  ordinal: number
  heading_path: string[]
  text: string
  tokens: number
  char_start: number
  char_end: number
}

export type ChunkSource = { text: string; sections: Section[] }

/**
 * Headings first, then size. With `by_headings`, no chunk crosses a section boundary, and a
 * section that is only its heading line joins the section after it (so "Policies" followed by
 * "Refunds" gives one chunk under Policies › Refunds, not a chunk holding one word). A stretch
 * over `max_tokens` is cut at the best boundary in the back half of the window: a blank line,
 * else a line break, else a sentence end, else a space, else (one unbroken run) anywhere. The next
 * chunk starts up to `overlap_tokens` earlier, at the best boundary inside that overlap. Chunks
 * carry no leading or trailing whitespace, and every chunk has at most `max_tokens` tokens.
 */
export function chunkDocument(source: ChunkSource, options: ChunkOptions = DEFAULT_CHUNK_OPTIONS): Chunk[] {
  const chunks: Chunk[] = []
  const segments = options.by_headings ? headingSegments(source) : [{ heading_path: [], start: 0, end: source.text.length }]
  for (const segment of segments) {
    for (const [start, end] of cutSegment(source.text, segment.start, segment.end, options)) {
      const text = source.text.slice(start, end)
      chunks.push({
        ordinal: chunks.length,
        heading_path: options.by_headings ? segment.heading_path : pathAt(source.sections, start),
        text,
        tokens: countTokens(text),
        char_start: start,
        char_end: end,
      })
    }
  }
  return chunks
}

/** Sections, with heading-only ones folded into the section that follows. */
function headingSegments({ text, sections }: ChunkSource): Section[] {
  const segments: Section[] = []
  let carry: number | undefined
  for (const [i, section] of sections.entries()) {
    const start = carry ?? section.start
    if (i < sections.length - 1 && section.heading_path.length && isHeadingOnly(text.slice(section.start, section.end))) {
      carry = start
      continue
    }
    carry = undefined
    segments.push({ heading_path: section.heading_path, start, end: section.end })
  }
  return segments
}

/** One line of heading, plus a Markdown setext underline if there is one. */
function isHeadingOnly(sectionText: string): boolean {
  return sectionText
    .trim()
    .split('\n')
    .slice(1)
    .every((line) => /^\s*[=-]*\s*$/.test(line))
}

function pathAt(sections: Section[], offset: number): string[] {
  let lo = 0
  let hi = sections.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (sections[mid]!.start <= offset) lo = mid
    else hi = mid - 1
  }
  return sections[lo]?.heading_path ?? []
}

/** [start, end) offset pairs of the chunks in text[from, to). */
function cutSegment(text: string, from: number, to: number, options: ChunkOptions): [number, number][] {
  const [a, b] = trim(text, from, to)
  if (a >= b) return []
  const p = scanPieces(text, a, b)
  const max = options.max_tokens
  const offsetOf = (j: number) => (j === 0 ? a : p.ends[j - 1]!)
  const tokensBefore = (j: number) => (j === 0 ? 0 : p.cumulative[j - 1]!)
  const out: [number, number][] = []

  // A chunk is pieces [s, e): it starts at offsetOf(s) and ends at offsetOf(e).
  let s = 0
  let previousEnd = 0
  while (s < p.count) {
    const base = tokensBefore(s)
    if (p.cumulative[p.count - 1]! - base <= max) {
      out.push(trim(text, offsetOf(s), b))
      break
    }
    // The furthest end that fits, then the best boundary in the back half of the window.
    let fit = s + 1
    while (fit < p.count && p.cumulative[fit]! - base <= max) fit++
    let e = fit
    let best = -2
    for (let j = fit; j > Math.max(s, previousEnd); j--) {
      if (j < fit && tokensBefore(j) - base < max / 2) break
      const q = boundaryQuality(text, p, j)
      if (q > best) {
        best = q
        e = j
        if (q === PARAGRAPH) break
      }
    }
    out.push(trim(text, offsetOf(s), offsetOf(e)))
    previousEnd = e
    s = options.overlap_tokens > 0 ? overlapStart(text, p, s, e, options.overlap_tokens) : e
  }
  // A window of nothing but whitespace (a long run of blanks cut by size) trims to nothing.
  return out.filter(([start, end]) => start < end)
}

const PARAGRAPH = 3

/**
 * How good a place to cut is the boundary before piece j: 3 after a blank line, 2 after a line
 * break, 1 after a sentence's end and a space, 0 after any other space, -1 inside a run of text.
 */
function boundaryQuality(text: string, p: Pieces, j: number): number {
  if (j <= 0 || j >= p.count) return PARAGRAPH
  if (p.kinds[j - 1] !== PieceKind.Space) return -1
  const spaceStart = j >= 2 ? p.ends[j - 2]! : p.ends[0]!
  let newlines = 0
  for (let k = spaceStart; k < p.ends[j - 1]!; k++) if (text.charCodeAt(k) === 10) newlines++
  if (newlines >= 2) return PARAGRAPH
  if (newlines === 1) return 2
  if (j >= 2 && p.kinds[j - 2] === PieceKind.Symbols && endsSentence(text, spaceStart)) return 1
  return 0
}

/** Text before `end` finishes with . ! ? or …, perhaps inside closing quotes or brackets. */
function endsSentence(text: string, end: number): boolean {
  let i = end - 1
  while (i >= 0 && CLOSERS.includes(text[i]!)) i--
  return i >= 0 && '.!?…'.includes(text[i]!)
}

const CLOSERS = `"')]’”»`

/** Where the chunk after [s, e) starts: as far back as the overlap allows, at the best boundary. */
function overlapStart(text: string, p: Pieces, s: number, e: number, overlap: number): number {
  const endTokens = p.cumulative[e - 1]!
  let start = e
  let best = -2
  for (let j = e - 1; j > s; j--) {
    if (endTokens - (j === 0 ? 0 : p.cumulative[j - 1]!) > overlap) break
    const q = boundaryQuality(text, p, j)
    if (q >= best) {
      best = q
      start = j
    }
  }
  return best >= 0 ? start : e
}

function trim(text: string, start: number, end: number): [number, number] {
  while (start < end && SPACE.test(text[start]!)) start++
  while (end > start && SPACE.test(text[end - 1]!)) end--
  return [start, end]
}

const SPACE = /\s/
