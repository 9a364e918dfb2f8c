import { Readable } from 'node:stream'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { z } from 'zod'
import { ExportPage } from '../../views/exports/ExportPage'
import { ExportPreview } from '../../views/exports/ExportPreview'
import { ExportStatus } from '../../views/exports/ExportStatus'
import { ExportsPage } from '../../views/exports/ExportsPage'
import { NewExportPage } from '../../views/exports/NewExportPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { inZone } from '../conversations/filter'
import { NotFound } from '../errors'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { doneNotice } from '../http/notice'
import { pageContext, preferencesOf } from '../http/page-context'
import { single, uuidParam } from '../http/params'
import { invalid, isHtmx, parseBody, readBody, wantsJson } from '../http/respond'
import { answerAction } from '../http/toast'
import { createExport, previewExport, rerunExport } from './create'
import { openDownload } from './download'
import { ExportForm, exportFormBody, exportFormValues } from './form'
import { type ExportListItem, type ExportRow, findSettledExport, listExports } from './queries'
import { deleteExport } from './retention'
import { ExportRequest } from './schemas'

async function exportOr404(c: Context<AppEnv>, waitMs = 0): Promise<ExportListItem> {
  const row = await findSettledExport(c.var.db, uuidParam(c, 'id', 'export'), waitMs)
  if (!row) throw new NotFound('No such export.')
  return row
}

/** The query string as a form body: one value as a string, repeated keys as a list. */
const queryBody = (c: Context<AppEnv>): Record<string, unknown> => Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, single(v)]))

async function sendFile(c: Context<AppEnv>, row: ExportRow) {
  const { handle, file, contentType } = await openDownload(row, c.req.query('file'))
  const body = Readable.toWeb(handle.createReadStream()) as ReadableStream<Uint8Array>
  return c.body(body, 200, {
    'Content-Type': contentType,
    'Content-Length': String(file.bytes),
    'Content-Disposition': `attachment; filename="${file.name}"`,
    'X-Content-SHA256': file.sha256,
    'Cache-Control': 'private, no-store',
  })
}

/** The request with the scope's days in the user's time zone (unless it names one), as the dashboard reads them. */
const inUserZone = (c: Context<AppEnv>, request: ExportRequest): ExportRequest => ({ ...request, scope: inZone(request.scope, preferencesOf(c).timezone) })

/** Queues the export; the answer the JSON API gives (202). */
async function startExport(c: Context<AppEnv>, request: ExportRequest) {
  const row = await createExport(c.var.db, inUserZone(c, request), signedInUser(c).id)
  return { id: row.id, status: row.status }
}

/** The export as the JSON API shows it (DESIGN.md §8); paths on disk stay private. */
function exportJson(row: ExportListItem) {
  return {
    id: row.id,
    status: row.status,
    format: row.format,
    scope: row.scope,
    options: row.options,
    count: row.count,
    bytes: row.bytes,
    sha256: row.sha256,
    files: row.files.map(({ name, bytes, sha256, count }) => ({
      name,
      bytes,
      sha256,
      count,
      url: `/api/exports/${row.id}/download?file=${encodeURIComponent(name)}`,
    })),
    report: row.report,
    error: row.error,
    duration_ms: row.duration_ms,
    created_by: row.created_by_email,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    expires_at: row.expires_at,
    deleted_at: row.deleted_at,
  }
}

// ---------------------------------------------------------------- pages

export const exportPages = new Hono<AppEnv>()
exportPages.use('*', requireCapability('edit'))

exportPages.get('/', async (c) => {
  const page = await listExports(c.var.db, { cursor: c.req.query('before'), field: 'before', limit: preferencesOf(c).rows_per_page })
  const next = page.next_cursor ?? undefined
  const notice = doneNotice(c, { deleted: 'Export deleted; its files were removed.' })
  return c.html(<ExportsPage ctx={pageContext(c)} items={page.items} next={next} notice={notice} />)
})

exportPages.get('/new', async (c) => {
  const preferences = preferencesOf(c)
  const values = exportFormValues(queryBody(c), { format: preferences.default_export_format, include_metadata: preferences.include_metadata })
  const parsed = ExportForm.safeParse(exportFormBody(values))
  const preview = parsed.success ? await previewExport(c.var.db, inUserZone(c, parsed.data)) : undefined
  const error = parsed.success ? undefined : invalid(parsed.error).message
  return c.html(<NewExportPage ctx={pageContext(c)} values={values} preview={preview} error={error} />)
})

exportPages.get('/preview', async (c) => {
  const parsed = ExportForm.safeParse(queryBody(c))
  if (!parsed.success) return c.html(<ExportPreview error={invalid(parsed.error).message} />)
  return c.html(<ExportPreview preview={await previewExport(c.var.db, inUserZone(c, parsed.data))} />)
})

exportPages.post('/', async (c) => {
  if (wantsJson(c)) return c.json(await startExport(c, await parseBody(c, ExportRequest)), 202)
  const body = await readBody(c)
  rerenderOnError(c, (problem) => <NewExportPage ctx={pageContext(c)} values={exportFormValues(body)} {...problem} />)
  return c.redirect(`/exports/${(await startExport(c, await parseBody(c, ExportForm))).id}`, 303)
})

exportPages.get('/:id', async (c) => {
  const row = await exportOr404(c, 1000)
  return c.html(<ExportPage ctx={pageContext(c)} row={row} />)
})

exportPages.get('/:id/status', async (c) => {
  const row = await exportOr404(c)
  return isHtmx(c) ? c.html(<ExportStatus row={row} />) : c.redirect(`/exports/${row.id}`, 303)
})

exportPages.get('/:id/download', async (c) => sendFile(c, await exportOr404(c)))

exportPages.post('/:id/rerun', async (c) => {
  const row = await rerunExport(c.var.db, uuidParam(c, 'id', 'export'), signedInUser(c).id)
  return c.redirect(`/exports/${row.id}`, 303)
})

exportPages.post('/:id/delete', async (c) => {
  const row = await exportOr404(c)
  await deleteExport(c.var.db, row.id)
  return answerAction(c, '/exports', { kind: 'success', message: 'Export deleted: its files are gone, its record stays.' }, 'deleted')
})

// ---------------------------------------------------------------- JSON API (DESIGN.md §8)

export const exportsApi = new Hono<AppEnv>()
exportsApi.use('*', requireCapability('edit'))

exportsApi.post('/', async (c) => c.json(await startExport(c, await parseBody(c, ExportRequest)), 202))

exportsApi.get('/', async (c) => {
  const limit = z.coerce.number().int().min(1).max(200).catch(50).parse(c.req.query('limit'))
  const page = await listExports(c.var.db, { cursor: c.req.query('cursor'), limit })
  return c.json({ items: page.items.map(exportJson), next_cursor: page.next_cursor })
})

exportsApi.get('/:id', async (c) => c.json(exportJson(await exportOr404(c))))

exportsApi.get('/:id/download', async (c) => sendFile(c, await exportOr404(c)))

exportsApi.delete('/:id', async (c) => {
  const row = await exportOr404(c)
  await deleteExport(c.var.db, row.id)
  return c.body(null, 204)
})
