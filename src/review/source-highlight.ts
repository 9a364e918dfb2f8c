/**
 * Which passages of a conversation's source text the conversation uses, for the review screen:
 * the source is cut into sentences, and a sentence counts as used when enough of its content words
 * (not stop words, not short ones) appear in the assistant's turns. A heuristic for the reviewer's
 * eye, not a grounding score: it only decides what is marked.
 */

export type SourcePassage = { start: number; end: number; used: boolean }

const STOP_WORDS = new Set(
  'about above after again against also because been before being below between both could does doing down during each from further have having here hers herself himself into itself just more most myself once only other ours ourselves over same should some such than that their theirs them themselves then there these they this those through under until very were what when where which while whom will with would your yours yourself yourselves'.split(
    ' ',
  ),
)

/** Lower-cased words of four or more letters or digits that carry meaning. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]{4,}/gu) ?? []).filter((w) => !STOP_WORDS.has(w))
}

/** Sentences end at . ! or ? followed by space, or at a line break; the pieces cover the whole text. */
function sentences(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = []
  const boundary = /[.!?]+(?=\s)|\n/g
  let start = 0
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    const end = m.index + m[0].length
    out.push({ start, end })
    start = end
  }
  if (start < text.length) out.push({ start, end: text.length })
  return out
}

/** Used when at least two of its content words (or its only one) appear, and at least 40% of them. */
function isUsed(words: string[], used: Set<string>): boolean {
  const distinct = [...new Set(words)]
  if (!distinct.length) return false
  const hits = distinct.filter((w) => used.has(w)).length
  return distinct.length === 1 ? hits === 1 : hits >= 2 && hits / distinct.length >= 0.4
}

/** The source split into consecutive passages covering all of it, each marked used or not (neighbours merged). */
export function highlightSource(source: string, assistantTexts: string[]): SourcePassage[] {
  const used = new Set(assistantTexts.flatMap(contentWords))
  const passages: SourcePassage[] = []
  for (const s of sentences(source)) {
    const passage = { ...s, used: isUsed(contentWords(source.slice(s.start, s.end)), used) }
    const last = passages.at(-1)
    if (last && last.used === passage.used) last.end = passage.end
    else passages.push(passage)
  }
  return passages
}
