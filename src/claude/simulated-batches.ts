import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { type ApiErrorBody, apiErrorBody, InvalidRequestError, type SimulatedMessage, simulateMessage } from './simulator'

/**
 * The Message Batches API (POST /v1/messages/batches, GET …/:id, GET …/:id/results, POST
 * …/:id/cancel) as the simulator and the fake server answer it, in the real wire format. Each
 * request is answered when the batch is created; the batch reports `ended` once `processingMs`
 * have passed (0 by default), as the real API does after minutes or hours. Batches live in this
 * process's memory.
 */

export type BatchItemResult =
  | { type: 'succeeded'; message: SimulatedMessage }
  | { type: 'errored'; error: ApiErrorBody }
  | { type: 'canceled' }
  | { type: 'expired' }

type MessageBatchBody = {
  id: string
  type: 'message_batch'
  processing_status: 'in_progress' | 'canceling' | 'ended'
  request_counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number }
  created_at: string
  expires_at: string
  ended_at: string | null
  cancel_initiated_at: string | null
  archived_at: string | null
  results_url: string | null
}

type StoredBatch = { id: string; createdAt: Date; endsAt: Date; cancelledAt: Date | null; results: Array<{ custom_id: string; result: BatchItemResult }> }

export type BatchReply = { status: number; body: object } | { status: 200; jsonl: string }

const BatchCreateRequest = z.object({
  requests: z
    .array(z.object({ custom_id: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1–64 letters, digits, _ or -'), params: z.unknown() }))
    .min(1)
    .max(100_000)
    .refine((list) => new Set(list.map((r) => r.custom_id)).size === list.length, 'custom_id values must be unique within a batch'),
})

const batches = new Map<string, StoredBatch>()

/** The answer to one request of a batch: the simulator's message, or the error the API would give for it. */
export function simulateBatchItem(params: unknown): BatchItemResult {
  try {
    return { type: 'succeeded', message: simulateMessage(params) }
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err
    return { type: 'errored', error: apiErrorBody('invalid_request_error', err.message) }
  }
}

/**
 * Routes a Message Batches call; null when the path is not one of them. `origin` makes the
 * results_url absolute, as the API's is; `answer` decides each request's result.
 */
export function answerBatches(
  method: string,
  pathname: string,
  bodyText: string,
  opts: { origin: string; processingMs?: number; answer?: (params: unknown) => BatchItemResult },
): BatchReply | null {
  const match = pathname.match(/\/v1\/messages\/batches(?:\/([^/]+)(?:\/(results|cancel))?)?$/)
  if (!match) return null
  const [, id, action] = match
  const route = `${method} ${id ? (action ? `:id/${action}` : ':id') : ''}`
  if (route === 'POST ') return create(bodyText, opts)
  const batch = id ? batches.get(id) : undefined
  if (!batch) return { status: 404, body: apiErrorBody('not_found_error', `There is no message batch ${id ?? ''}.`.replace(' .', '.')) }
  if (route === 'GET :id') return { status: 200, body: describe(batch, opts.origin) }
  if (route === 'POST :id/cancel') {
    if (!batch.cancelledAt && Date.now() < batch.endsAt.getTime()) {
      batch.cancelledAt = new Date()
      batch.endsAt = batch.cancelledAt
      batch.results = batch.results.map(({ custom_id }) => ({ custom_id, result: { type: 'canceled' } }))
    }
    return { status: 200, body: describe(batch, opts.origin) }
  }
  if (route === 'GET :id/results') {
    if (Date.now() < batch.endsAt.getTime()) {
      return { status: 400, body: apiErrorBody('invalid_request_error', 'The batch is still processing; its results are not available yet.') }
    }
    return { status: 200, jsonl: `${batch.results.map((r) => JSON.stringify(r)).join('\n')}\n` }
  }
  return { status: 404, body: apiErrorBody('not_found_error', `There is no ${method} ${pathname} endpoint.`) }
}

function create(bodyText: string, opts: { origin: string; processingMs?: number; answer?: (params: unknown) => BatchItemResult }): BatchReply {
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    return { status: 400, body: apiErrorBody('invalid_request_error', 'The request body is not valid JSON.') }
  }
  const parsed = BatchCreateRequest.safeParse(body)
  if (!parsed.success) return { status: 400, body: apiErrorBody('invalid_request_error', z.prettifyError(parsed.error)) }
  const answer = opts.answer ?? simulateBatchItem
  const createdAt = new Date()
  const batch: StoredBatch = {
    id: `msgbatch_01${randomBytes(12).toString('hex')}`,
    createdAt,
    endsAt: new Date(createdAt.getTime() + (opts.processingMs ?? 0)),
    cancelledAt: null,
    results: parsed.data.requests.map((r) => ({ custom_id: r.custom_id, result: answer(r.params) })),
  }
  batches.set(batch.id, batch)
  return { status: 200, body: describe(batch, opts.origin) }
}

function describe(batch: StoredBatch, origin: string): MessageBatchBody {
  const ended = Date.now() >= batch.endsAt.getTime()
  const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 }
  for (const { result } of batch.results) {
    if (!ended) counts.processing++
    else counts[result.type]++
  }
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : batch.cancelledAt ? 'canceling' : 'in_progress',
    request_counts: counts,
    created_at: batch.createdAt.toISOString(),
    expires_at: new Date(batch.createdAt.getTime() + 24 * 3600_000).toISOString(),
    ended_at: ended ? batch.endsAt.toISOString() : null,
    cancel_initiated_at: batch.cancelledAt?.toISOString() ?? null,
    archived_at: null,
    results_url: ended ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  }
}
