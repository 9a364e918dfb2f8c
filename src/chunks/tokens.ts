/**
 * Token counts for chunk sizes, without calling Claude.
 *
 * Anthropic publishes no tokenizer for current Claude models: @anthropic-ai/tokenizer on npm
 * (0.0.4) is for pre-Claude 3 models and its README says it is inaccurate for newer ones, and the
 * exact count is only available from the API's count_tokens endpoint, which needs a key and a
 * round trip per call. So this is a documented approximation in the way BPE tokenizers work:
 * text is cut into pieces (a run of letters, of digits, of whitespace, of punctuation, or one
 * CJK character) and each piece costs
 *   - letters: one token per 6 characters, rounded up (most English words are one token);
 *   - digits: one token per 3 (BPE vocabularies hold numbers in groups of up to three);
 *   - punctuation and symbols: one per 2 characters, rounded up;
 *   - a CJK, kana, Hangul or Thai character: one token each;
 *   - whitespace: nothing for the single space before a word (it joins the word's token), else
 *     one token per 8 characters, rounded up (a line break or an indent is about one token).
 * English prose comes out at about 4 characters a token, like the app's cost estimate
 * (estimateTokens in src/generation/cost.ts), but code, numbers and CJK text are counted far
 * closer than by length alone. Runs are capped so no piece costs more than a few tokens, which
 * lets the chunker cut anywhere between pieces and still fit its limit.
 */

/** One piece from the current position (sticky): the Unicode-aware path, for non-ASCII text. */
const PIECE =
  /([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}])|([[\p{L}\p{M}]--[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]]{1,24})|(\p{N}{1,24})|(\s{1,64})|([^\s\p{L}\p{M}\p{N}]{1,24})/vy

export enum PieceKind {
  Ideograph = 1,
  Letters = 2,
  Digits = 3,
  Space = 4,
  Symbols = 5,
}

const CAP: Record<PieceKind, number> = { 1: 1, 2: 24, 3: 24, 4: 64, 5: 24 }

/** ASCII classes by char code, the fast path for the text most documents are made of. */
const ASCII = new Uint8Array(128).map((_, c) =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    ? PieceKind.Letters
    : c >= 48 && c <= 57
      ? PieceKind.Digits
      : c === 32 || (c >= 9 && c <= 13)
        ? PieceKind.Space
        : PieceKind.Symbols,
)

/**
 * The piece starting at `i` (before `to`), packed as end * 8 + kind to avoid an allocation per
 * piece. ASCII runs are classified by table; a run that meets a non-ASCII character is re-read
 * by the Unicode regex, so "café" stays one run of letters.
 */
function nextPiece(text: string, i: number, to: number): number {
  const c = text.charCodeAt(i)
  if (c < 128) {
    const kind = ASCII[c]! as PieceKind
    const limit = Math.min(to, i + CAP[kind])
    let j = i + 1
    while (j < limit) {
      const d = text.charCodeAt(j)
      if (d >= 128 || ASCII[d] !== kind) break
      j++
    }
    if (j === limit || text.charCodeAt(j) < 128) return j * 8 + kind
  }
  PIECE.lastIndex = i
  const m = PIECE.exec(text)
  if (!m) return (i + 1) * 8 + PieceKind.Symbols
  return Math.min(PIECE.lastIndex, to) * 8 + kindOf(m)
}

function cost(kind: PieceKind, text: string, start: number, length: number): number {
  switch (kind) {
    case PieceKind.Ideograph:
      return 1
    case PieceKind.Letters:
      return Math.ceil(length / 6)
    case PieceKind.Digits:
      return Math.ceil(length / 3)
    case PieceKind.Space:
      return length === 1 && text.charCodeAt(start) === 32 ? 0 : Math.ceil(length / 8)
    default:
      return Math.ceil(length / 2)
  }
}

/** The approximate number of Claude tokens in `text` (see the module comment for the rules). */
export function countTokens(text: string): number {
  let total = 0
  for (let i = 0; i < text.length; ) {
    const packed = nextPiece(text, i, text.length)
    const end = Math.floor(packed / 8)
    total += cost((packed & 7) as PieceKind, text, i, end - i)
    i = end
  }
  return total
}

/**
 * The pieces of text[from, to): where each ends, its kind, and the running token total through
 * it, so the tokens between two piece boundaries are one subtraction.
 */
export type Pieces = { count: number; ends: Int32Array; kinds: Uint8Array; cumulative: Int32Array }

export function scanPieces(text: string, from: number, to: number): Pieces {
  // Prose averages under 3 characters a piece (words and the spaces between), so this rarely grows.
  let capacity = Math.max(16, Math.ceil((to - from) / 2))
  let ends = new Int32Array(capacity)
  let kinds = new Uint8Array(capacity)
  let cumulative = new Int32Array(capacity)
  let count = 0
  let total = 0
  for (let i = from; i < to; ) {
    const packed = nextPiece(text, i, to)
    const end = Math.floor(packed / 8)
    const kind = (packed & 7) as PieceKind
    total += cost(kind, text, i, end - i)
    if (count === capacity) {
      capacity *= 2
      ends = grow(ends, capacity)
      kinds = grow(kinds, capacity)
      cumulative = grow(cumulative, capacity)
    }
    ends[count] = end
    kinds[count] = kind
    cumulative[count] = total
    count++
    i = end
  }
  return { count, ends, kinds, cumulative }
}

function kindOf(m: RegExpExecArray): PieceKind {
  if (m[2] !== undefined) return PieceKind.Letters
  if (m[4] !== undefined) return PieceKind.Space
  if (m[3] !== undefined) return PieceKind.Digits
  if (m[5] !== undefined) return PieceKind.Symbols
  return PieceKind.Ideograph
}

function grow<T extends Int32Array | Uint8Array>(array: T, capacity: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(capacity)
  bigger.set(array)
  return bigger
}
