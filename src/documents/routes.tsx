import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ConfirmPage } from '../../views/ConfirmPage'
import { DocumentPage } from '../../views/documents/DocumentPage'
import { DocumentRows } from '../../views/documents/DocumentRows'
import { DocumentBody } from '../../views/documents/DocumentStatus'
import { DocumentsPage, type UploadOutcome } from '../../views/documents/DocumentsPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext, preferencesOf } from '../http/page-context'
import { isHtmx, readBody } from '../http/respond'
import { documentOr404, parseListQuery } from './api-routes'
import { type DocumentRow, deleteDocument, listDocumentChunks, listDocuments, requestRechunk } from './queries'
import { rechunkFormValues, rechunkOptions, rechunkRequestFromForm } from './rechunk'
import { documentsFromFiles, filesFromBody } from './upload'

/** Chunks per page of the document page's list. */
const CHUNK_PAGE = 100

async function chunksOf(c: Context<AppEnv>, row: DocumentRow) {
  if (row.status !== 'ready') return { items: [] }
  const from = z.coerce
    .number()
    .int()
    .min(0)
    .catch(0)
    .parse(c.req.query('from') ?? 0)
  return listDocumentChunks(c.var.db, row.id, { from, limit: CHUNK_PAGE })
}

async function listPage(c: Context<AppEnv>, outcome?: UploadOutcome, status: 200 | 400 | 409 | 413 | 415 = 200) {
  // A page shows the user's rows per page unless the link asks for a number.
  const query = parseListQuery({ limit: String(preferencesOf(c).rows_per_page), ...c.req.query() })
  const page = await listDocuments(c.var.db, query)
  if (isHtmx(c) && !outcome) {
    c.header('Vary', 'HX-Request')
    return c.html(<DocumentRows items={page.items} next={page.next_cursor} q={query.q} />)
  }
  return c.html(<DocumentsPage ctx={pageContext(c)} page={page} q={query.q} maxUploadBytes={c.var.config.maxUploadBytes} outcome={outcome} />, status)
}

export const documentPages = new Hono<AppEnv>()

documentPages.get('/', (c) => {
  const notice = doneNotice(c, { deleted: 'Document deleted.' })
  return listPage(c, notice ? { notice } : undefined)
})

/** The no-JavaScript upload: one or several files; accepted ones are listed, refused ones say why. */
documentPages.post('/', requireCapability('edit'), async (c) => {
  const files = (await filesFromBody(await readBody(c))).filter((f) => f.filename || f.bytes.length)
  if (!files.length) return listPage(c, { errors: ['Choose at least one file to upload.'] }, 400)
  const { items, refused } = await documentsFromFiles(c.var.db, files, c.var.config, signedInUser(c).id)
  if (items.length === 1 && !refused.length) return c.redirect(`/documents/${items[0]!.id}`, 303)
  const errors = refused.map((r) => `${r.filename || 'A file'}: ${r.message}`)
  const notice = items.length ? `${items.length} document${items.length === 1 ? '' : 's'} uploaded; they are being processed.` : undefined
  return listPage(c, { notice, errors }, items.length ? 200 : ((refused[0]?.status ?? 400) as 400))
})

documentPages.get('/:id', async (c) => {
  const row = await documentOr404(c)
  const notice = c.req.query('done') === 'rechunk' ? 'Re-chunking: the new chunks replace the old ones when it finishes.' : undefined
  return c.html(<DocumentPage ctx={pageContext(c)} row={row} chunks={await chunksOf(c, row)} notice={notice} />)
})

documentPages.get('/:id/status', async (c) => {
  const row = await documentOr404(c)
  if (!isHtmx(c)) return c.redirect(`/documents/${row.id}`, 303)
  c.header('Vary', 'HX-Request')
  return c.html(<DocumentBody row={row} chunks={await chunksOf(c, row)} />)
})

documentPages.post('/:id/rechunk', requireCapability('edit'), async (c) => {
  const row = await documentOr404(c)
  const values = rechunkFormValues(await readBody(c))
  rerenderOnError(c, async (problem) => <DocumentPage ctx={pageContext(c)} row={row} chunks={await chunksOf(c, row)} rechunk={{ values, ...problem }} />)
  await requestRechunk(c.var.db, row.id, rechunkOptions(row.chunk_options, rechunkRequestFromForm(values)))
  return c.redirect(`/documents/${row.id}?done=rechunk`, 303)
})

/** Asks first (a page with one button), then deletes: chunks go, conversations keep their chunk text. */
documentPages.post('/:id/delete', requireCapability('edit'), async (c) => {
  const row = await documentOr404(c)
  if (!(await isConfirmed(c))) {
    return c.html(
      <ConfirmPage
        ctx={pageContext(c)}
        title={`Delete “${row.title}”?`}
        action={`/documents/${row.id}/delete`}
        confirm="Delete document"
        back={`/documents/${row.id}`}
        backLabel="Keep it"
      >
        <p>
          Its {row.chunk_count.toLocaleString('en')} chunks are deleted with it. Conversations generated from them keep the text they were grounded in, and are
          listed as orphaned so they can be linked to another chunk.
        </p>
      </ConfirmPage>,
    )
  }
  await deleteDocument(c.var.db, row.id)
  return c.redirect('/documents?done=deleted', 303)
})
