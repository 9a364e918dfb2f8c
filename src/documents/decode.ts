import chardet from 'chardet'
import iconv from 'iconv-lite'

export type DecodedText = { text: string; encoding: string }

/** chardet reads this much; more costs time on a large file without changing its answer. */
const SAMPLE_BYTES = 64 * 1024

/**
 * Bytes to text for the text-based formats. A byte-order mark wins, then valid UTF-8 (ASCII is
 * both), then a charset the sender declared, then chardet's guess. Browsers read ISO-8859-1 as
 * Windows-1252 (its superset, with curly quotes and dashes in 0x80–0x9F), and so do we.
 */
export function decodeText(bytes: Uint8Array, declaredCharset?: string): DecodedText {
  const bom = byteOrderMark(bytes)
  if (bom) return { text: iconv.decode(Buffer.from(bytes.subarray(bom.length)), bom.encoding), encoding: bom.encoding }
  const utf16 = utf16WithoutBom(bytes)
  if (utf16) return { text: iconv.decode(Buffer.from(bytes), utf16), encoding: utf16 }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    // Not UTF-8: a legacy single- or multi-byte encoding.
  }
  const encoding = usable(declaredCharset) ?? usable(chardet.detect(bytes.subarray(0, SAMPLE_BYTES)) ?? undefined) ?? 'windows-1252'
  return { text: iconv.decode(Buffer.from(bytes), encoding), encoding }
}

function byteOrderMark(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  const [a, b, c, d] = bytes
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: 'utf-8', length: 3 }
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return { encoding: 'utf-32le', length: 4 }
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return { encoding: 'utf-32be', length: 4 }
  if (a === 0xff && b === 0xfe) return { encoding: 'utf-16le', length: 2 }
  if (a === 0xfe && b === 0xff) return { encoding: 'utf-16be', length: 2 }
  return undefined
}

/**
 * UTF-16 saved without a BOM: Latin-script text then has a zero in every other byte. chardet only
 * recognises UTF-16 by its BOM, so this one pattern is checked by hand.
 */
export function utf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1
  if (n < 4) return undefined
  let evenZeros = 0
  let oddZeros = 0
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZeros++
    if (bytes[i + 1] === 0) oddZeros++
  }
  const pairs = n / 2
  if (oddZeros > pairs * 0.6 && evenZeros < pairs * 0.05) return 'utf-16le'
  if (evenZeros > pairs * 0.6 && oddZeros < pairs * 0.05) return 'utf-16be'
  return undefined
}

function usable(name: string | undefined): string | undefined {
  if (!name) return undefined
  const lower = name.trim().toLowerCase()
  const mapped = lower === 'iso-8859-1' || lower === 'latin1' || lower === 'us-ascii' || lower === 'ascii' ? 'windows-1252' : lower
  return iconv.encodingExists(mapped) ? mapped : undefined
}

/** The `charset` parameter of a Content-Type header, if any. */
export function charsetOf(contentType: string | null | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1]
}

/** `<meta charset>` or `<meta http-equiv content="…; charset=…">` near the top of an HTML file. */
export function htmlMetaCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1')
  return /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1]
}
