import { setTimeout as sleep } from 'node:timers/promises'
import { Hono, type Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import { requireCapability, stillSignedIn } from '../auth/middleware'
import { can } from '../auth/roles'
import { AppError, NotFound, ServiceUnavailable, ValidationFailed } from '../errors'
import type { AppEnv } from '../http/env'
import { isConfirmed } from '../http/confirm'
import { pageContext } from '../http/page-context'
import { invalid, readBody, wantsJson } from '../http/respond'
import { BatchesPage } from '../../views/generation/BatchesPage'
import { BatchPage } from '../../views/generation/BatchPage'
import { BatchProgress } from '../../views/generation/BatchProgress'
import { CancelBatchPage } from '../../views/generation/CancelBatchPage'
import { GeneratePage } from '../../views/generation/GeneratePage'
import { EstimateConfirmPage } from '../../views/EstimateConfirmPage'
import { activeAiSettings } from './ai-settings'
import {
  batchSettingsOf,
  cancelBatch,
  clearCancelled,
  createBatch,
  createSingle,
  findBatchState,
  listBatches,
  parseBatchCursor,
  pauseBatch,
  planBatch,
  resumeBatch,
  retryFailed,
  type BatchState,
} from './batches'
import { chunkIdsOf, generateChoices, requestFromForm, type GenerateFormValues } from './form'
import { GenerationRequest, resolveGeneration } from './inputs'
import { requestGroundingJudge } from './grounding-judge'
import { checkModel } from './models'
import { progressHub } from './progress-hub'

/** POST /api/batches and the form's batch request: what to generate, how many of each, and a name. */
const BatchRequest = GenerationRequest.extend({
  count_per_item: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1'),
  name: z.string().trim().max(200).optional(),
  /** Through the Anthropic Message Batches API: half price, results within 24 hours. */
  message_batches: z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' }).default(false),
})

const batchId = (c: Context<AppEnv>) => {
  const parsed = z.uuid().safeParse(c.req.param('id'))
  if (!parsed.success) throw new NotFound('No such batch.')
  return parsed.data
}

async function requireState(c: Context<AppEnv>, id: string): Promise<BatchState> {
  const state = await findBatchState(c.var.db, id)
  if (!state) throw new NotFound('No such batch.')
  return state
}

/** Validates, estimates and (unless only previewing) creates the batch with its jobs in one transaction. */
async function startBatch(c: Context<AppEnv>, body: Record<string, unknown>, previewOnly: boolean) {
  const parsed = BatchRequest.safeParse(body)
  if (!parsed.success) throw invalid(parsed.error)
  const request = parsed.data
  const settings = await activeAiSettings(c.var.db)
  const resolved = await resolveGeneration(c.var.db, request)
  await checkModel(c.var.config, request.model, settings.model)
  const estimate = planBatch(resolved, request, request.count_per_item, settings, request.message_batches)
  if (previewOnly) return { estimate }
  const name = request.name || `${resolved.template.name} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')}`
  const batch = await createBatch(c.var.db, {
    name,
    resolved,
    countPerItem: request.count_per_item,
    estimate,
    settings: batchSettingsOf(request),
    userId: c.var.user!.id,
    simulated: !c.var.config.anthropicApiKey,
    messageBatches: request.message_batches,
  })
  return { id: batch.id, estimate }
}

// JSON API (DESIGN.md §8)

export const batchApi = new Hono<AppEnv>()
batchApi.use('*', requireCapability('view'))
batchApi.post('*', requireCapability('edit'))

batchApi.post('/', async (c) => {
  const { id, estimate } = await startBatch(c, await readBody(c), false)
  const { calls, input_tokens, output_tokens, cost_usd, expected_seconds, chunk_tokens, cache_reads } = estimate
  return c.json({ id, estimate: { calls, input_tokens, output_tokens, cost_usd, expected_seconds, chunk_tokens, cache_reads } }, 201)
})

batchApi.get('/:id', async (c) => {
  const state = await requireState(c, batchId(c))
  return c.json({
    id: state.id,
    name: state.name,
    status: state.status,
    total: state.total,
    counts: state.counts,
    input_tokens: state.input_tokens,
    output_tokens: state.output_tokens,
    cost_usd: state.cost_usd,
    estimate: state.estimate,
    message_batches: state.uses_message_batches,
    message_batch_id: state.message_batch_id,
  })
})

/** The optional Claude judge of grounding over the batch's generated, grounded conversations; `dry_run` shows the cost alone. */
const JudgeRequest = z.object({ dry_run: z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' }).default(false) })

batchApi.post('/:id/judge-grounding', async (c) => {
  const parsed = JudgeRequest.safeParse(await readBody(c))
  if (!parsed.success) throw invalid(parsed.error)
  const result = await requestGroundingJudge(c.var.db, batchId(c), { dryRun: parsed.data.dry_run })
  return c.json(result, parsed.data.dry_run ? 200 : 202)
})

const CONTROLS = { pause: pauseBatch, resume: resumeBatch, cancel: cancelBatch, retry: retryFailed, 'clear-cancelled': clearCancelled } as const
const Control = z.enum(['pause', 'resume', 'cancel', 'retry', 'clear-cancelled'])

batchApi.post('/:id/:action', async (c) => {
  const action = Control.safeParse(c.req.param('action'))
  if (!action.success) throw new NotFound('No such batch action (pause, resume, cancel, retry or clear-cancelled).')
  const id = batchId(c)
  await CONTROLS[action.data](c.var.db, id)
  const state = await requireState(c, id)
  return c.json({ id, status: state.status, counts: state.counts, cost_usd: state.cost_usd })
})

// Pages: /batches

export const batchPages = new Hono<AppEnv>()
batchPages.use('*', requireCapability('view'))
batchPages.post('*', requireCapability('edit'))

batchPages.get('/', async (c) => {
  const page = await listBatches(c.var.db, { cursor: parseBatchCursor(c.req.query('cursor')), limit: 50 })
  if (wantsJson(c)) return c.json(page)
  return c.html(<BatchesPage ctx={pageContext(c)} items={page.items} nextCursor={page.next_cursor} />)
})

batchPages.get('/:id', async (c) => {
  const state = await requireState(c, batchId(c))
  return c.html(<BatchPage ctx={pageContext(c)} batch={state} canEdit={can(c.var.user!.role, 'edit')} />)
})

/** The progress fragment alone (for polling clients and htmx). */
batchPages.get('/:id/progress', async (c) => {
  const state = await requireState(c, batchId(c))
  return c.html(<BatchProgress batch={state} canEdit={can(c.var.user!.role, 'edit')} />)
})

/**
 * Server-sent events: the current state first (on connect and on every reconnect, whatever
 * Last-Event-ID says), then the <BatchProgress> fragment again whenever a worker reports a change.
 * Changes arriving while a state is being read are coalesced into one more read. The stream ends
 * with an `end` event (the page stops listening) once the batch is over (`finished`), when its
 * user has signed out (`signed_out`, seen at the next change) or has opened more than
 * MAX_STREAMS_PER_USER streams (`replaced`, the oldest ends); it ends without one when the process
 * stops, so that the browser reconnects.
 */
batchPages.get('/:id/events', async (c) => {
  const id = batchId(c)
  await requireState(c, id)
  const pool = c.var.pool
  if (!pool) throw new ServiceUnavailable('Live progress is not available in this process.')
  const hub = progressHub(pool, c.var.log)
  const user = c.var.user!
  const canEdit = can(user.role, 'edit')
  let seq = Number.parseInt(c.req.header('last-event-id') ?? '0', 10) || 0
  return streamSSE(c, async (stream) => {
    const over = new AbortController()
    let endReason: 'finished' | 'signed_out' | 'replaced' | undefined
    const end = (reason?: typeof endReason) => {
      endReason ??= reason
      over.abort()
    }
    stream.onAbort(() => end())
    let reading = false
    let dirty = false
    const send = async () => {
      if (reading) {
        dirty = true
        return
      }
      reading = true
      try {
        do {
          dirty = false
          if (!(await stillSignedIn(c))) return end('signed_out')
          const state = await findBatchState(c.var.db, id)
          if (!state || over.signal.aborted) return end()
          const html = await (<BatchProgress batch={state} canEdit={canEdit} />).toString()
          await stream.writeSSE({ id: String(++seq), event: 'progress', data: html })
          if (state.finished_at) return end('finished')
        } while (dirty && !over.signal.aborted)
      } finally {
        reading = false
      }
    }
    const unsubscribe = await hub.subscribe(id, {
      userId: user.id,
      changed: () => void send().catch(() => end()),
      end: (reason) => end(reason === 'replaced' ? 'replaced' : undefined),
    })
    try {
      await send()
      // Comments keep proxies from closing an idle stream.
      while (!over.signal.aborted) {
        await sleep(15_000, undefined, { signal: over.signal }).catch(() => undefined)
        if (!over.signal.aborted) await stream.write(': keep-alive\n\n')
      }
      if (endReason && !stream.aborted) await stream.writeSSE({ event: 'end', data: endReason })
    } finally {
      unsubscribe()
    }
  })
})

/** The grounding judge from the batch page: its cost first, then (confirmed) one job per grounded conversation. */
batchPages.post('/:id/judge-grounding', async (c) => {
  const id = batchId(c)
  const confirmed = await isConfirmed(c)
  const { estimate } = await requestGroundingJudge(c.var.db, id, { dryRun: !confirmed })
  if (confirmed) return c.redirect(`/batches/${id}`, 303)
  const settings = await activeAiSettings(c.var.db)
  return c.html(
    <EstimateConfirmPage
      ctx={pageContext(c)}
      title="Judge grounding"
      question={`Ask Claude to judge how well ${estimate.calls === 1 ? 'one conversation stays' : `${estimate.calls} conversations stay`} within their source?`}
      estimate={estimate}
      model={settings.model}
      action={`/batches/${id}/judge-grounding`}
      fields={[]}
      submit="Judge grounding"
      back={{ href: `/batches/${id}`, label: 'Back to the batch' }}
    />,
  )
})

batchPages.post('/:id/:action', async (c) => {
  const action = Control.safeParse(c.req.param('action'))
  if (!action.success) throw new NotFound('No such batch action.')
  const id = batchId(c)
  if (action.data === 'cancel' && !(await isConfirmed(c))) {
    const state = await requireState(c, id)
    // Only a batch that can still be cancelled asks; otherwise cancelBatch answers 409.
    if (state.status === 'running' || state.status === 'paused') return c.html(<CancelBatchPage ctx={pageContext(c)} batch={state} />)
  }
  await CONTROLS[action.data](c.var.db, id)
  return c.redirect(`/batches/${id}`, 303)
})

// Pages: /generate

export const generatePages = new Hono<AppEnv>()
generatePages.use('*', requireCapability('edit'))

generatePages.get('/', async (c) => {
  const settings = await activeAiSettings(c.var.db)
  const templateId = z.uuid().safeParse(c.req.query('template_id'))
  const chunkIds = chunkIdsOf(c.req.queries('chunk_ids'))
  let choices = await generateChoices(c.var.db, templateId.success ? templateId.data : undefined, settings, chunkIds)
  // Without a choice yet, the newest template is chosen, so its form shows straight away.
  if (!choices.template && choices.templates[0]) choices = await generateChoices(c.var.db, choices.templates[0].id, settings, chunkIds)
  return c.html(<GeneratePage ctx={pageContext(c)} choices={choices} />)
})

/** Runs a form action; a validation problem re-renders the form with the message beside the field. */
async function withForm(c: Context<AppEnv>, act: (request: Record<string, unknown>, values: GenerateFormValues) => Promise<Response>) {
  const body = await readBody(c)
  const values = Object.fromEntries(
    Object.entries(body).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : String(v)]),
  ) as GenerateFormValues
  const settings = await activeAiSettings(c.var.db)
  const templateId = z.uuid().safeParse(body.template_id)
  const choices = await generateChoices(c.var.db, templateId.success ? templateId.data : undefined, settings, chunkIdsOf(body.chunk_ids))
  try {
    return await act(requestFromForm(body, choices.template?.parameters ?? []), values)
  } catch (err) {
    if (!(err instanceof AppError) || wantsJson(c)) throw err
    const fields = err instanceof ValidationFailed ? err.fields : undefined
    return c.html(<GeneratePage ctx={pageContext(c)} choices={choices} values={values} error={err.message} fields={fields} />, err.status)
  }
}

generatePages.post('/preview', (c) =>
  withForm(c, async (request, values) => {
    const { estimate } = await startBatch(c, request, true)
    const settings = await activeAiSettings(c.var.db)
    const choices = await generateChoices(c.var.db, String(request.template_id), settings, chunkIdsOf(request.chunk_ids))
    return c.html(<GeneratePage ctx={pageContext(c)} choices={choices} values={values} estimate={estimate} />)
  }),
)

generatePages.post('/batches', (c) =>
  withForm(c, async (request) => {
    const { id } = await startBatch(c, request, false)
    return c.redirect(`/batches/${id}`, 303)
  }),
)

/** One conversation now, from the template, a scenario or an edge case (the first chosen), with the given values. */
generatePages.post('/single', (c) =>
  withForm(c, async (request) => {
    const parsed = GenerationRequest.safeParse(request)
    if (!parsed.success) throw invalid(parsed.error)
    const resolved = await resolveGeneration(c.var.db, parsed.data)
    await checkModel(c.var.config, parsed.data.model, (await activeAiSettings(c.var.db)).model)
    const { id } = await createSingle(c.var.db, {
      resolved,
      userId: c.var.user!.id,
      simulated: !c.var.config.anthropicApiKey,
      model: parsed.data.model ?? null,
      maxTokens: parsed.data.max_tokens ?? null,
    })
    return wantsJson(c) ? c.json({ id }, 202) : c.redirect(`/conversations/${id}/generation`, 303)
  }),
)
