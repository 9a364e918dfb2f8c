import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { ChunkCards } from '../../views/chunks/ChunkCards'
import { ChunkDetail } from '../../views/chunks/ChunkDetail'
import { ChunkPage } from '../../views/chunks/ChunkPage'
import { type ChunkBrowserView, ChunksPage, Results } from '../../views/chunks/ChunksPage'
import { EstimateConfirmPage } from '../../views/EstimateConfirmPage'
import { requireCapability } from '../auth/middleware'
import { NotFound } from '../errors'
import { activeAiSettings } from '../generation/ai-settings'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { pageContext, preferencesOf } from '../http/page-context'
import { listField, optionalField, uuidParam } from '../http/params'
import { isHtmx, parseBody, parseInput } from '../http/respond'
import { canEdit } from '../templates/access'
import { type AnalysisTarget, requestAnalysis } from './analysis'
import { ChunkListQuery, findChunk, listChunkedDocuments, listChunks } from './queries'

const MAX_ANALYZE_IDS = 1000

/** `{document_id | chunk_ids}`: exactly one, and `dry_run` for the estimate alone. */
const AnalyzeRequest = z
  .strictObject({
    document_id: z.uuid({ error: 'must be a document id' }).optional(),
    chunk_ids: z
      .array(z.uuid({ error: 'must be chunk ids' }), { error: 'must be a list of chunk ids' })
      .min(1, 'choose at least one chunk')
      .max(MAX_ANALYZE_IDS, `at most ${MAX_ANALYZE_IDS} chunks at once; analyse a whole document instead`)
      .optional(),
    dry_run: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.document_id === undefined) === (body.chunk_ids === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['document_id'], message: 'send exactly one of document_id and chunk_ids' })
    }
  })

/** The browser's pages show the user's rows per page unless the link asks for a number. */
function pageQuery(c: Context<AppEnv>): ChunkListQuery {
  const query = parseListQuery(c)
  return { ...query, limit: query.limit ?? preferencesOf(c).rows_per_page }
}

function parseListQuery(c: Context<AppEnv>): ChunkListQuery {
  const parsed = parseInput(ChunkListQuery, c.req.queries())
  return parsed
}

async function loadChunk(c: Context<AppEnv>) {
  const chunk = await findChunk(c.var.db, uuidParam(c, 'id', 'chunk'))
  if (!chunk) throw new NotFound('No such chunk.')
  return chunk
}

/** GET /api/chunks, GET /api/chunks/:id and POST /api/chunks/analyze (DESIGN.md §8). */
export const chunksApi = new Hono<AppEnv>()
chunksApi.get('*', requireCapability('view'))
chunksApi.post('*', requireCapability('edit'))

chunksApi.get('/', async (c) => c.json(await listChunks(c.var.db, parseListQuery(c))))

chunksApi.get('/:id', async (c) => c.json(await loadChunk(c)))

chunksApi.post('/analyze', async (c) => {
  const { document_id, chunk_ids, dry_run } = await parseBody(c, AnalyzeRequest)
  const target: AnalysisTarget = document_id !== undefined ? { document_id } : { chunk_ids: chunk_ids ?? [] }
  const result = await requestAnalysis(c.var.db, target, { dryRun: dry_run === true })
  return c.json(result, dry_run ? 200 : 202)
})

/** The chunk browser: /chunks, its fragments, a chunk's page, and analysis with its estimate first. */
export const chunkPages = new Hono<AppEnv>()
chunkPages.get('*', requireCapability('view'))
chunkPages.post('*', requireCapability('edit'))

/** The filter as a query string without the cursor, for the "more" links. */
function filterParams(query: ChunkListQuery): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (key === 'cursor' || key === 'limit' || value === undefined) continue
    params.set(key, String(value))
  }
  return params.toString()
}

chunkPages.get('/', async (c) => {
  const query = pageQuery(c)
  const [page, documents] = await Promise.all([listChunks(c.var.db, query), listChunkedDocuments(c.var.db)])
  // The notice after queuing an analysis is made here from a number, never taken as text from the URL.
  const queued = z.coerce.number().int().min(0).safeParse(c.req.query('queued'))
  const notice = queued.success ? `Analysis queued for ${queued.data} ${queued.data === 1 ? 'chunk' : 'chunks'}; results appear as each finishes.` : undefined
  const view: ChunkBrowserView = { query, page, params: filterParams(query), documents, canEdit: canEdit(c), notice }
  return isHtmx(c) ? c.html(<Results view={view} />) : c.html(<ChunksPage ctx={pageContext(c)} view={view} />)
})

chunkPages.get('/cards', async (c) => {
  const query = pageQuery(c)
  return c.html(<ChunkCards page={await listChunks(c.var.db, query)} params={filterParams(query)} selectable={canEdit(c)} />)
})

chunkPages.get('/:id', async (c) => {
  const chunk = await loadChunk(c)
  return isHtmx(c) ? c.html(<ChunkDetail chunk={chunk} />) : c.html(<ChunkPage ctx={pageContext(c)} chunk={chunk} />)
})

/** The page's form: the document when its button was pressed, else the ticked chunks. */
const AnalyzeForm = z
  .object({ document_id: optionalField(z.uuid()).catch(undefined), chunk_ids: listField(z.uuid()).catch(undefined) })
  .transform((form, ctx): AnalysisTarget => {
    if (form.document_id) return { document_id: form.document_id }
    const ids = form.chunk_ids ?? []
    if (ids.length === 0 || ids.length > MAX_ANALYZE_IDS) {
      ctx.addIssue({ code: 'custom', path: ['chunk_ids'], message: `Select at least one chunk (at most ${MAX_ANALYZE_IDS}) to analyse` })
      return z.NEVER
    }
    return { chunk_ids: ids }
  })

chunkPages.post('/analyze', async (c) => {
  const target = await parseBody(c, AnalyzeForm)
  const confirmed = await isConfirmed(c)
  const { estimate, queued } = await requestAnalysis(c.var.db, target, { dryRun: !confirmed })
  if (!confirmed) {
    const settings = await activeAiSettings(c.var.db)
    const oneDocument = 'document_id' in target
    return c.html(
      <EstimateConfirmPage
        ctx={pageContext(c)}
        title="Analyze chunks"
        question={`Analyze ${estimate.calls === 1 ? 'one chunk' : `${estimate.calls} chunks`}?`}
        estimate={estimate}
        model={settings.model}
        action="/chunks/analyze"
        fields={oneDocument ? [['document_id', target.document_id]] : target.chunk_ids.map((id) => ['chunk_ids', id])}
        submit="Analyze"
        back={{ href: oneDocument ? `/chunks?document_id=${target.document_id}` : '/chunks', label: 'Back to the chunks' }}
      />,
    )
  }
  const back = new URLSearchParams({ ...('document_id' in target ? { document_id: target.document_id } : {}), queued: String(queued) })
  return c.redirect(`/chunks?${back.toString()}`, 303)
})
