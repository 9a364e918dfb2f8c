import { type Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { z } from 'zod'
import { EstimateConfirmPage } from '../../views/EstimateConfirmPage'
import { BatchesPage } from '../../views/generation/BatchesPage'
import { BatchPage } from '../../views/generation/BatchPage'
import { BatchProgress } from '../../views/generation/BatchProgress'
import { CancelBatchPage } from '../../views/generation/CancelBatchPage'
import { GeneratePage } from '../../views/generation/GeneratePage'
import { ThroughputChart } from '../../views/generation/ThroughputChart'
import { requireCapability, signedInUser, stillSignedIn } from '../auth/middleware'
import { can } from '../auth/roles'
import { deleteDraft, formDraft } from '../drafts/drafts'
import { NotFound, ServiceUnavailable } from '../errors'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext, preferencesOf } from '../http/page-context'
import { uuidParam } from '../http/params'
import { parseBody, parseInput, readBody, wantsJson } from '../http/respond'
import { holdOpen } from '../http/sse'
import { answerAction } from '../http/toast'
import { activeAiSettings } from './ai-settings'
import { BATCH_CONTROLS, BatchControl } from './batches/controls'
import { startBatch, startSingle } from './batches/create'
import { planBatch } from './batches/plan'
import { type BatchState, findBatchState, listBatches } from './batches/state'
import { batchThroughput } from './batches/throughput'
import { chunkIdsOf, pageChoices, readGenerateForm, templateIdOf } from './form'
import { requestGroundingJudge } from './grounding-judge'
import { BatchRequest, GenerationRequest } from './inputs'
import { progressHub } from './progress-hub'

const batchId = (c: Context<AppEnv>) => uuidParam(c, 'id', 'batch')

function controlParam(c: Context<AppEnv>) {
  const action = BatchControl.safeParse(c.req.param('action'))
  if (!action.success) throw new NotFound('No such batch action (pause, resume, cancel, retry or clear-cancelled).')
  return action.data
}

async function requireState(c: Context<AppEnv>, id: string): Promise<BatchState> {
  const state = await findBatchState(c.var.db, id)
  if (!state) throw new NotFound('No such batch.')
  return state
}

// JSON API (DESIGN.md §8)

export const batchApi = new Hono<AppEnv>()
batchApi.use('*', requireCapability('view'))
batchApi.post('*', requireCapability('edit'))

batchApi.post('/', async (c) => {
  const plan = await planBatch(c.var.db, c.var.config, await parseBody(c, BatchRequest))
  const { id } = await startBatch(c.var.db, c.var.config, plan, signedInUser(c).id)
  return c.json({ id, estimate: plan.estimate }, 201)
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
  const { dry_run } = await parseBody(c, JudgeRequest)
  const result = await requestGroundingJudge(c.var.db, batchId(c), { dryRun: dry_run })
  return c.json(result, dry_run ? 200 : 202)
})

batchApi.post('/:id/:action', async (c) => {
  const action = controlParam(c)
  const id = batchId(c)
  await BATCH_CONTROLS[action](c.var.db, id)
  const state = await requireState(c, id)
  return c.json({ id, status: state.status, counts: state.counts, cost_usd: state.cost_usd })
})

// Pages: /batches

export const batchPages = new Hono<AppEnv>()
batchPages.use('*', requireCapability('view'))
batchPages.post('*', requireCapability('edit'))

batchPages.get('/', async (c) => {
  const page = await listBatches(c.var.db, { cursor: c.req.query('cursor') || undefined, limit: preferencesOf(c).rows_per_page })
  if (wantsJson(c)) return c.json(page)
  return c.html(<BatchesPage ctx={pageContext(c)} items={page.items} nextCursor={page.next_cursor} />)
})

batchPages.get('/:id', async (c) => {
  const state = await requireState(c, batchId(c))
  const { role } = signedInUser(c)
  const throughput = await batchThroughput(c.var.db, state)
  return c.html(<BatchPage ctx={pageContext(c)} batch={state} canEdit={can(role, 'edit')} canReview={can(role, 'review')} throughput={throughput} />)
})

/** Conversations finished per minute since the batch started: the chart fragment (htmx polls it while the batch runs), or JSON. */
batchPages.get('/:id/throughput', async (c) => {
  // The batch row alone: its counts (findBatchState reads every conversation of the batch) are not drawn here.
  const batch = await c.var.db.selectFrom('batches').select(['id', 'status', 'created_at', 'finished_at']).where('id', '=', batchId(c)).executeTakeFirst()
  if (!batch) throw new NotFound('No such batch.')
  const throughput = await batchThroughput(c.var.db, batch)
  if (wantsJson(c)) return c.json(throughput)
  return c.html(<ThroughputChart batch={batch} throughput={throughput} />)
})

/** The progress fragment alone (for polling clients and htmx). */
batchPages.get('/:id/progress', async (c) => {
  const state = await requireState(c, batchId(c))
  const { role } = signedInUser(c)
  return c.html(<BatchProgress batch={state} canEdit={can(role, 'edit')} canReview={can(role, 'review')} />)
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
  const user = signedInUser(c)
  const canEdit = can(user.role, 'edit')
  const canReview = can(user.role, 'review')
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
          const html = await (<BatchProgress batch={state} canEdit={canEdit} canReview={canReview} />).toString()
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
      await holdOpen(stream, over.signal, () => endReason)
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
  const action = controlParam(c)
  const id = batchId(c)
  if (action === 'cancel' && !(await isConfirmed(c))) {
    const state = await requireState(c, id)
    // Only a batch that can still be cancelled asks; otherwise cancelBatch answers 409.
    if (state.status === 'running' || state.status === 'paused') return c.html(<CancelBatchPage ctx={pageContext(c)} batch={state} />)
  }
  await BATCH_CONTROLS[action](c.var.db, id)
  return answerAction(c, `/batches/${id}`, { kind: 'success', message: BATCH_TOASTS[action] })
})

const BATCH_TOASTS: Record<keyof typeof BATCH_CONTROLS, string> = {
  pause: 'Batch paused: nothing more starts until you resume it.',
  resume: 'Batch resumed.',
  cancel: 'Batch cancelled: what was not generated yet will not be.',
  retry: 'Failed conversations queued again.',
  'clear-cancelled': 'Cancelled conversations cleared.',
}

// Pages: /generate

export const generatePages = new Hono<AppEnv>()
generatePages.use('*', requireCapability('edit'))

/** The grid fields an address may fill in: the coverage page's "generate for this cell" links. */
const PREFILLED = ['grid_persona', 'grid_emotion', 'grid_topic'] as const

generatePages.get('/', async (c) => {
  const draft = await formDraft(c, 'generate', { page: '/generate' })
  if (draft.restored) {
    const form = await readGenerateForm(c.var.db, draft.restored)
    return c.html(<GeneratePage ctx={pageContext(c)} choices={form.choices} values={form.values} />)
  }
  const choices = await pageChoices(c.var.db, templateIdOf(c.req.query('template_id')), chunkIdsOf(c.req.queries('chunk_ids')))
  const values = Object.fromEntries(
    PREFILLED.flatMap((key) => {
      const value = c.req.query(key)?.trim().slice(0, 1000)
      return value ? [[key, value]] : []
    }),
  )
  return c.html(<GeneratePage ctx={pageContext(c)} choices={choices} values={values} draft={draft.offer} />)
})

/** Reads the posted form; a refused request (bad values, an unknown template) shows the form again with the message beside the field. */
async function generateForm(c: Context<AppEnv>) {
  const form = await readGenerateForm(c.var.db, await readBody(c))
  rerenderOnError(
    c,
    (problem) => <GeneratePage ctx={pageContext(c)} choices={form.choices} values={form.values} {...problem} />,
    (err) => err.status < 500,
  )
  return form
}

generatePages.post('/preview', async (c) => {
  const form = await generateForm(c)
  const { estimate } = await planBatch(c.var.db, c.var.config, parseInput(BatchRequest, form.request))
  return c.html(<GeneratePage ctx={pageContext(c)} choices={form.choices} values={form.values} estimate={estimate} />)
})

generatePages.post('/batches', async (c) => {
  const form = await generateForm(c)
  const plan = await planBatch(c.var.db, c.var.config, parseInput(BatchRequest, form.request))
  const { id } = await startBatch(c.var.db, c.var.config, plan, signedInUser(c).id)
  await deleteDraft(c.var.db, signedInUser(c).id, 'generate')
  return c.redirect(`/batches/${id}`, 303)
})

/** One conversation now, from the template, a scenario or an edge case (the first chosen), with the given values. */
generatePages.post('/single', async (c) => {
  const form = await generateForm(c)
  const { id } = await startSingle(c.var.db, c.var.config, parseInput(GenerationRequest, form.request), signedInUser(c).id)
  await deleteDraft(c.var.db, signedInUser(c).id, 'generate')
  return wantsJson(c) ? c.json({ id }, 202) : c.redirect(`/conversations/${id}/generation`, 303)
})
