import type { RechunkValues } from '../../views/documents/DocumentPage'
import { ChunkOptions } from '../chunks/chunker'
import { single } from '../http/params'
import { parseInput } from '../http/respond'

/** Re-chunking a document: the options asked for, from JSON or from the document page's form. */

/** The options a re-chunk asks for, over the document's current ones: a field left out stays as it was. */
export function rechunkOptions(current: ChunkOptions, body: Record<string, unknown>): ChunkOptions {
  const parsed = parseInput(ChunkOptions, { ...current, ...body })
  return parsed
}

/** The form as typed (an unticked checkbox is absent), for showing it again. */
export function rechunkFormValues(body: Record<string, unknown>): RechunkValues {
  const text = (value: unknown) => String(single(value) ?? '')
  return { max_tokens: text(body.max_tokens), overlap_tokens: text(body.overlap_tokens), by_headings: body.by_headings !== undefined }
}

/** The form as the JSON API's request: a blank number keeps the current one. */
export function rechunkRequestFromForm(values: RechunkValues): Record<string, unknown> {
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text))
  return { max_tokens: number(values.max_tokens), overlap_tokens: number(values.overlap_tokens), by_headings: values.by_headings }
}
