import type { Context } from 'hono'
import { Hono } from 'hono'
import { Readable } from 'node:stream'
import { z } from 'zod'
import { requireCapability } from '../auth/middleware'
import { FILTER_KEYS } from '../conversations/filter'
import { NotFound, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { pageContext } from '../http/page-context'
import { invalid, isHtmx, readBody, wantsJson } from '../http/respond'
import { ExportPage } from '../../views/exports/ExportPage'
import { ExportPreview } from '../../views/exports/ExportPreview'
import { ExportsPage } from '../../views/exports/ExportsPage'
import { ExportStatus } from '../../views/exports/ExportStatus'
import { NewExportPage, type NewExportValues } from '../../views/exports/NewExportPage'
import { createExport, previewExport } from './create'
import { openDownload } from './download'
import { findSettledExport, listExports, type ExportListItem, type ExportRow } from './queries'
import { deleteExport } from './retention'
import { ExportOptions, ExportRequest, ExportScope, requestFromForm } from './schemas'

const Id = z.uuid()

const SCOPE_KEYS = [...FILTER_KEYS, 'conversation_ids'] as string[]

async function exportOr404(c: Context<AppEnv>, waitMs = 0): Promise<ExportListItem> {
  const id = Id.safeParse(c.req.param('id'))
  const row = id.success ? await findSettledExport(c.var.db, id.data, waitMs) : undefined
  if (!row) throw new NotFound('No such export.')
  return row
}

/** The query string as a form body: one value as a string, repeated keys as a list. */
function queryBody(c: Context<AppEnv>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]))
}

function parseRequest(body: Record<string, unknown>): ExportRequest {
  const parsed = ExportRequest.safeParse(body)
  if (!parsed.success) throw invalid(parsed.error)
  return parsed.data
}

/** The new-export form's values from a query string: first visit (from the dashboard) or "update preview". */
function formValues(query: Record<string, string | string[]>): NewExportValues {
  const scope = Object.fromEntries(
    Object.entries(query)
      .filter(([k]) => SCOPE_KEYS.includes(k))
      .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).flatMap((x) => (k === 'conversation_ids' ? x.split(',') : [x])).filter(Boolean)] as const)
      .filter(([, v]) => v.length),
  )
  const kinds = ['approved', 'filter', 'selected'] as const
  const asked = kinds.find((k) => k === query.scope_kind)
  const scopeKind = asked ?? (scope.conversation_ids ? 'selected' : Object.keys(scope).length ? 'filter' : 'approved')
  const submitted = query.format !== undefined
  const defaults = ExportOptions.parse({})
  const ticked = (name: keyof typeof defaults) => (submitted ? query[name] !== undefined : Boolean(defaults[name]))
  return {
    format: typeof query.format === 'string' ? query.format : 'openai',
    scope,
    scopeKind,
    options: {
      include_metadata: ticked('include_metadata'),
      include_system_prompt: ticked('include_system_prompt'),
      only_non_simulated: ticked('only_non_simulated'),
      gzip: ticked('gzip'),
      validation_percent: typeof query.validation_percent === 'string' ? query.validation_percent : String(defaults.validation_percent),
      split_seed: typeof query.split_seed === 'string' ? query.split_seed : defaults.split_seed,
    },
  }
}

function formBody(values: NewExportValues): Record<string, unknown> {
  return { ...values.scope, scope_kind: values.scopeKind, format: values.format, ...Object.fromEntries(Object.entries(values.options).filter(([, v]) => v !== false)) }
}

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
    files: row.files.map(({ name, bytes, sha256, count }) => ({ name, bytes, sha256, count, url: `/api/exports/${row.id}/download?file=${encodeURIComponent(name)}` })),
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
  const page = await listExports(c.var.db, { cursor: c.req.query('before'), field: 'before', limit: 50 })
  const next = page.next_cursor ?? undefined
  const notice = c.req.query('done') === 'deleted' ? 'Export deleted; its files were removed.' : undefined
  return c.html(<ExportsPage ctx={pageContext(c)} items={page.items} next={next} notice={notice} />)
})

exportPages.get('/new', async (c) => {
  const values = formValues(queryBody(c))
  const parsed = ExportRequest.safeParse(requestFromForm(formBody(values)))
  const preview = parsed.success ? await previewExport(c.var.db, parsed.data) : undefined
  const error = parsed.success ? undefined : invalid(parsed.error).message
  return c.html(<NewExportPage ctx={pageContext(c)} values={values} preview={preview} error={error} />)
})

exportPages.get('/preview', async (c) => {
  const parsed = ExportRequest.safeParse(requestFromForm(queryBody(c)))
  if (!parsed.success) return c.html(<ExportPreview error={invalid(parsed.error).message} />)
  return c.html(<ExportPreview preview={await previewExport(c.var.db, parsed.data)} />)
})

exportPages.post('/', async (c) => {
  const body = await readBody(c)
  const json = wantsJson(c)
  try {
    const row = await createExport(c.var.db, parseRequest(json ? body : requestFromForm(body)), c.var.user!.id)
    return json ? c.json({ id: row.id, status: row.status }, 202) : c.redirect(`/exports/${row.id}`, 303)
  } catch (err) {
    if (!(err instanceof ValidationFailed) || json) throw err
    const values = formValues(body as Record<string, string | string[]>)
    return c.html(<NewExportPage ctx={pageContext(c)} values={values} error={err.message} fields={err.fields} />, 400)
  }
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
  const old = await exportOr404(c)
  const request = { format: old.format, scope: ExportScope.parse(old.scope), options: ExportOptions.parse(old.options) }
  const row = await createExport(c.var.db, request, c.var.user!.id)
  return c.redirect(`/exports/${row.id}`, 303)
})

exportPages.post('/:id/delete', async (c) => {
  const row = await exportOr404(c)
  await deleteExport(c.var.db, row.id)
  return c.redirect('/exports?done=deleted', 303)
})

// ---------------------------------------------------------------- JSON API (DESIGN.md §8)

export const exportsApi = new Hono<AppEnv>()
exportsApi.use('*', requireCapability('edit'))

exportsApi.post('/', async (c) => {
  const row = await createExport(c.var.db, parseRequest(await readBody(c)), c.var.user!.id)
  return c.json({ id: row.id, status: row.status }, 202)
})

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
