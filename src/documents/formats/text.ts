import { charsetOf, decodeText } from '../decode'
import { normalizeText, sectionsFromHeadings } from '../sections'
import type { FormatReader } from './reader'

/** Plain text has no structure we can trust: one section, titled by its file name. */
export const readText: FormatReader = async ({ bytes, contentType }) => {
  const { text: raw, encoding } = decodeText(bytes, charsetOf(contentType))
  const text = normalizeText(raw)
  return { text, sections: sectionsFromHeadings(text, []), encoding }
}
