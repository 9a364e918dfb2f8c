import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { requireCapability, signedInUser } from '../auth/middleware'
import { NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { uuidParam } from '../http/params'
import { parseBody, parseInput, readBody } from '../http/respond'
import { type DocumentRow, deleteDocument, findDocument, listDocuments, requestRechunk } from './queries'
import { rechunkOptions } from './rechunk'
import { documentFromFile, documentFromText, documentsFromFiles, filesFromBody } from './upload'

/** A document as the JSON API shows it (DESIGN.md §8); `error` only when it failed. */
export function documentJson(row: DocumentRow) {
  return {
    id: row.id,
    title: row.title,
    filename: row.filename,
    format: row.format,
    bytes: row.bytes,
    sha256: row.sha256,
    status: row.status,
    ...(row.error ? { error: row.error } : {}),
    progress: row.progress,
    chunk_count: row.chunk_count,
    chunk_options: row.chunk_options,
    encoding: row.encoding,
    created_by: row.created_by_email,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export async function documentOr404(c: Context<AppEnv>): Promise<DocumentRow> {
  const row = await findDocument(c.var.db, uuidParam(c, 'id', 'document'))
  if (!row) throw new NotFound('No such document.')
  return row
}

const PastedText = z.object({
  title: z.string().trim().min(1, 'is required').max(500, 'must be at most 500 characters'),
  text: z.string({ error: 'is required' }),
})

const ListQuery = z.object({
  q: z.string().trim().max(200).optional(),
  cursor: z.string().max(400).optional(),
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 200' })
    .int('must be a whole number from 1 to 200')
    .min(1, 'must be from 1 to 200')
    .max(200, 'must be from 1 to 200')
    .default(50),
})

export function parseListQuery(query: Record<string, string>) {
  const parsed = parseInput(ListQuery, Object.fromEntries(Object.entries(query).filter(([, v]) => v !== '')))
  return parsed
}

export const documentsApi = new Hono<AppEnv>()

documentsApi.get('/', async (c) => {
  const page = await listDocuments(c.var.db, parseListQuery(c.req.query()))
  return c.json({ items: page.items.map(documentJson), next_cursor: page.next_cursor })
})

/** Multipart `file` (one or several), or JSON `{title, text}` → 202 while the ingest task runs. */
documentsApi.post('/', requireCapability('edit'), async (c) => {
  const userId = signedInUser(c).id
  if ((c.req.header('content-type') ?? '').startsWith('application/json')) {
    return c.json(documentJson(await documentFromText(c.var.db, await parseBody(c, PastedText), c.var.config, userId)), 202)
  }
  const files = await filesFromBody(await readBody(c))
  if (files.length === 0) {
    throw new ValidationFailed('Send the document as a multipart field named "file", or JSON {title, text}.', { file: 'is required' })
  }
  if (files.length === 1) return c.json(documentJson(await documentFromFile(c.var.db, files[0]!, c.var.config, userId)), 202)
  const result = await documentsFromFiles(c.var.db, files, c.var.config, userId)
  if (result.items.length === 0) {
    const first = result.refused[0]!
    return c.json({ error: { code: first.code, message: first.message, ...first.details }, refused: result.refused }, first.status as 400)
  }
  return c.json({ items: result.items.map(documentJson), refused: result.refused }, 202)
})

documentsApi.get('/:id', async (c) => c.json(documentJson(await documentOr404(c))))

documentsApi.delete('/:id', requireCapability('edit'), async (c) => {
  if (!(await deleteDocument(c.var.db, uuidParam(c, 'id', 'document')))) throw new NotFound('No such document.')
  return c.body(null, 204)
})

/** `{max_tokens, overlap_tokens, by_headings}` (any of them) → 202; the ingest task cuts the stored text again. */
documentsApi.post('/:id/rechunk', requireCapability('edit'), async (c) => {
  const doc = await documentOr404(c)
  const options = rechunkOptions(doc.chunk_options, await parseBody(c, z.record(z.string(), z.unknown())))
  if (!(await requestRechunk(c.var.db, doc.id, options))) throw new NotFound('No such document.')
  return c.json(documentJson((await findDocument(c.var.db, doc.id))!), 202)
})
