import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { text as readBody } from 'node:stream/consumers'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { DIMENSION_TOOL_NAME } from '../../src/chunks/dimension-tool'
import { CONVERSATION_TOOL_NAME } from '../../src/claude/conversation-tool'
import { answerBatches, type BatchItemResult, simulateBatchItem } from '../../src/claude/simulated-batches'
import { answerSimulated, apiErrorBody, newId, resetPromptCache, simulateMessage } from '../../src/claude/simulator'

/**
 * A fake Messages API over HTTP for tests and benchmarks. Normal answers come from the app's
 * simulator; queued faults make the next requests fail the ways the real API does.
 * Control endpoints (no auth) let other processes drive it:
 *   POST /_fake/faults   JSON array of faults, applied FIFO to the next requests
 *   POST /_fake/latency  {"delayMs": n}, added to every request
 *   POST /_fake/batch-processing {"delayMs": n}, how long a Message Batch stays in progress
 *   POST /_fake/fault-mix {"rate": 0.3, "faults": [...]}: with no fault queued, each request meets
 *                        one of these faults (picked at random) with that probability
 *   POST /_fake/reset    clears faults, the fault mix, latency, recorded requests and the prompt cache
 * In a Message Batch, each request takes the next queued fault as its result (errored, malformed…).
 *   GET  /_fake/requests {count, last}: how many were received and the last few
 */

const FaultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('rate_limit'), retryAfterSeconds: z.number().min(0) }),
  z.object({ kind: z.literal('overloaded') }),
  z.object({ kind: z.literal('server_error') }),
  z.object({ kind: z.literal('slow'), delayMs: z.number().int().min(0) }),
  z.object({ kind: z.literal('malformed') }),
  z.object({ kind: z.literal('text_instead_of_tool') }),
  /** A well-formed conversation of exactly this many turns (e.g. more than the template allows). */
  z.object({ kind: z.literal('turns'), count: z.number().int().min(1) }),
  /** 200 with stop_reason "refusal" and no content: the model declined. */
  z.object({ kind: z.literal('refusal') }),
  /** 404 not_found_error, as the API answers a model id it does not know. */
  z.object({ kind: z.literal('model_not_found') }),
])
export type Fault = z.infer<typeof FaultSchema>

const FaultMixSchema = z.object({ rate: z.number().min(0).max(1), faults: z.array(FaultSchema).min(1) })
export type FaultMix = z.infer<typeof FaultMixSchema>

/** `at`: when it arrived (ms since the epoch), e.g. to measure the request rate. */
export type RecordedRequest = { method: string; path: string; headers: Record<string, string>; body: unknown; at: number }

export type FakeAnthropic = {
  /** Pass as the SDK's baseURL. */
  url: string
  /** The most recent requests to the API (not the control endpoints), oldest first, keys redacted. */
  requests: RecordedRequest[]
  /** All API requests received since the last reset, including those no longer kept in `requests`. */
  readonly requestCount: number
  enqueue(...faults: Fault[]): void
  /** From now on, a request with no queued fault meets one of `faults` with probability `rate`. */
  setFaultMix(mix: FaultMix | null): void
  setDefaultDelay(ms: number): void
  /** How long a Message Batch stays in progress before it reports `ended` (0: at once). */
  setBatchProcessing(ms: number): void
  reset(): void
  close(): Promise<void>
}

const MAX_RECORDED = 1000 // benchmarks send many requests; keep memory flat
const SECRET_HEADERS = new Set(['x-api-key', 'authorization'])

export async function startFakeAnthropic(opts: { port?: number; host?: string } = {}): Promise<FakeAnthropic> {
  const faults: Fault[] = []
  const requests: RecordedRequest[] = []
  let requestCount = 0
  let defaultDelayMs = 0
  let batchProcessingMs = 0
  let faultMix: FaultMix | null = null
  const closing = new AbortController()

  const reset = () => {
    faults.length = 0
    requests.length = 0
    requestCount = 0
    defaultDelayMs = 0
    batchProcessingMs = 0
    faultMix = null
    resetPromptCache()
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bodyText = await readBody(req)
    const method = req.method ?? 'GET'
    const path = new URL(req.url ?? '/', 'http://fake').pathname

    if (path.startsWith('/_fake/')) return control(method, path, bodyText, res)

    requestCount++
    requests.push({ method, path, headers: redactedHeaders(req), body: parseJson(bodyText), at: Date.now() })
    if (requests.length > MAX_RECORDED) requests.shift()

    if (!req.headers['x-api-key'] && !req.headers.authorization) {
      return send(res, 401, apiErrorBody('authentication_error', 'An x-api-key or Authorization header is required.'))
    }
    const batchReply = answerBatches(method, path, bodyText, { origin: `http://${req.headers.host}`, processingMs: batchProcessingMs, answer: answerBatchItem })
    if (batchReply) {
      if ('jsonl' in batchReply) {
        res.writeHead(200, { 'content-type': 'application/binary', 'request-id': newId('req') })
        return void res.end(batchReply.jsonl)
      }
      return send(res, batchReply.status, batchReply.body)
    }
    const fault = faults.shift() ?? mixedFault()
    // Stop waiting when the client gives up (e.g. an SDK timeout) or the server closes.
    const gone = new AbortController()
    res.on('close', () => gone.abort())
    const delayMs = defaultDelayMs + (fault?.kind === 'slow' ? fault.delayMs : 0)
    if (delayMs > 0) {
      const signal = AbortSignal.any([gone.signal, closing.signal])
      const stillWanted = await sleep(delayMs, true, { signal }).catch(() => false)
      if (!stillWanted) return
    }

    switch (fault?.kind) {
      case 'rate_limit':
        return send(res, 429, apiErrorBody('rate_limit_error', 'This request would exceed your rate limit.'), {
          'retry-after': String(fault.retryAfterSeconds),
        })
      case 'overloaded':
        return send(res, 529, apiErrorBody('overloaded_error', 'Overloaded'))
      case 'server_error':
        return send(res, 500, apiErrorBody('api_error', 'Internal server error'))
      case 'text_instead_of_tool': {
        const reply = answerSimulated(method, path, bodyText, { reply: 'text' })
        return send(res, reply.status, reply.body)
      }
      case 'refusal': {
        const reply = answerSimulated(method, path, bodyText)
        if (reply.status !== 200 || !('type' in reply.body) || reply.body.type !== 'message') {
          return send(res, reply.status, reply.body)
        }
        return send(res, 200, { ...reply.body, stop_reason: 'refusal', content: [] })
      }
      case 'model_not_found': {
        const model = (parseJson(bodyText) as { model?: unknown }).model
        return send(res, 404, apiErrorBody('not_found_error', `model: ${String(model)}`))
      }
      case 'turns': {
        const reply = answerSimulated(method, path, bodyText)
        if (reply.status !== 200 || !('type' in reply.body) || reply.body.type !== 'message') {
          return send(res, reply.status, reply.body)
        }
        return send(res, 200, { ...reply.body, stop_reason: 'tool_use', content: [toolUseWithTurns(fault.count)] })
      }
      case 'malformed': {
        const reply = answerSimulated(method, path, bodyText)
        if (reply.status !== 200 || !('type' in reply.body) || reply.body.type !== 'message') {
          return send(res, reply.status, reply.body)
        }
        return send(res, 200, { ...reply.body, stop_reason: 'tool_use', content: [malformedToolUse(reply.body.content[0])] })
      }
      default: {
        const reply = answerSimulated(method, path, bodyText)
        return send(res, reply.status, reply.body)
      }
    }
  }

  function mixedFault(): Fault | undefined {
    if (!faultMix || Math.random() >= faultMix.rate) return undefined
    return faultMix.faults[Math.floor(Math.random() * faultMix.faults.length)]
  }

  /** A request inside a Message Batch takes the next queued fault as its own result. */
  function answerBatchItem(params: unknown): BatchItemResult {
    const fault = faults.shift()
    switch (fault?.kind) {
      case 'rate_limit':
        return { type: 'errored', error: apiErrorBody('rate_limit_error', 'This request would exceed your rate limit.') }
      case 'overloaded':
        return { type: 'errored', error: apiErrorBody('overloaded_error', 'Overloaded') }
      case 'server_error':
        return { type: 'errored', error: apiErrorBody('api_error', 'Internal server error') }
      case 'malformed': {
        const result = simulateBatchItem(params)
        return result.type === 'succeeded' ? { type: 'succeeded', message: { ...result.message, content: [malformedToolUse()] } } : result
      }
      case 'text_instead_of_tool':
        return { type: 'succeeded', message: simulateMessage(params, { reply: 'text' }) }
      default:
        return simulateBatchItem(params)
    }
  }

  function control(method: string, path: string, bodyText: string, res: ServerResponse) {
    const route = `${method} ${path}`
    if (route === 'POST /_fake/faults') {
      const parsed = z.array(FaultSchema).safeParse(parseJson(bodyText))
      if (!parsed.success) return send(res, 400, apiErrorBody('invalid_request_error', z.prettifyError(parsed.error)))
      faults.push(...parsed.data)
      return send(res, 200, { queued: faults.length })
    }
    if (route === 'POST /_fake/latency') {
      const parsed = z.object({ delayMs: z.number().int().min(0) }).safeParse(parseJson(bodyText))
      if (!parsed.success) return send(res, 400, apiErrorBody('invalid_request_error', z.prettifyError(parsed.error)))
      defaultDelayMs = parsed.data.delayMs
      return send(res, 200, { delayMs: defaultDelayMs })
    }
    if (route === 'POST /_fake/batch-processing') {
      const parsed = z.object({ delayMs: z.number().int().min(0) }).safeParse(parseJson(bodyText))
      if (!parsed.success) return send(res, 400, apiErrorBody('invalid_request_error', z.prettifyError(parsed.error)))
      batchProcessingMs = parsed.data.delayMs
      return send(res, 200, { delayMs: batchProcessingMs })
    }
    if (route === 'POST /_fake/fault-mix') {
      const parsed = FaultMixSchema.nullable().safeParse(parseJson(bodyText))
      if (!parsed.success) return send(res, 400, apiErrorBody('invalid_request_error', z.prettifyError(parsed.error)))
      faultMix = parsed.data
      return send(res, 200, { faultMix })
    }
    if (route === 'POST /_fake/reset') {
      reset()
      return send(res, 200, { reset: true })
    }
    if (route === 'GET /_fake/requests') return send(res, 200, { count: requestCount, last: requests.slice(-10) })
    return send(res, 404, apiErrorBody('not_found_error', `There is no ${route} control endpoint.`))
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, apiErrorBody('api_error', `The fake server failed: ${String(err)}`))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve)
  })
  const bound = server.address()
  if (!bound || typeof bound === 'string') throw new Error('The fake Anthropic server is not listening on a TCP port.')
  const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address

  return {
    url: `http://${host}:${bound.port}`,
    requests,
    get requestCount() {
      return requestCount
    },
    enqueue: (...more) => void faults.push(...more),
    setFaultMix: (mix) => {
      faultMix = mix
    },
    setDefaultDelay: (ms) => {
      defaultDelayMs = ms
    },
    setBatchProcessing: (ms) => {
      batchProcessingMs = ms
    },
    reset,
    close: () => {
      closing.abort()
      server.closeAllConnections()
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())))
    },
  }
}

/**
 * A tool call that breaks its schema. For the conversation tool, every way at once: empty title,
 * roles out of turn, placeholder and missing text; for the dimension tool (when that is what the
 * request asked for): scores out of range and most dimensions missing.
 */
function malformedToolUse(answered?: { type: string; name?: string }) {
  if (answered?.name === DIMENSION_TOOL_NAME) {
    return {
      type: 'tool_use' as const,
      id: newId('toolu'),
      name: DIMENSION_TOOL_NAME,
      input: { customer: { score: 7, confidence: 'high' }, refund_return: { score: 0.9 } },
      caller: { type: 'direct' as const },
    }
  }
  return {
    type: 'tool_use' as const,
    id: newId('toolu'),
    name: CONVERSATION_TOOL_NAME,
    input: {
      title: '',
      turns: [{ role: 'assistant', content: 'Lorem ipsum dolor sit amet' }, { role: 'assistant', content: '' }, { role: 'user' }],
    },
    caller: { type: 'direct' as const },
  }
}

/** A valid tool call with `count` turns alternating from the user, each one distinct. */
function toolUseWithTurns(count: number) {
  const turns = Array.from({ length: count }, (_, i) =>
    i % 2 === 0
      ? { role: 'user', content: `Question ${i / 2 + 1}: how does step ${i / 2 + 1} of closing my savings account work?` }
      : { role: 'assistant', content: `For step ${(i + 1) / 2}, confirm your identity, then move the balance ${i} days before closing.` },
  )
  return {
    type: 'tool_use' as const,
    id: newId('toolu'),
    name: CONVERSATION_TOOL_NAME,
    input: { title: 'Closing a savings account', turns },
    caller: { type: 'direct' as const },
  }
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req'), ...headers })
  res.end(JSON.stringify(body))
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

function redactedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    headers[name] = SECRET_HEADERS.has(name) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

// CLI: `npx tsx test/fake-anthropic/server.ts --port 4010 [--host 127.0.0.1]` prints the base URL.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '4010' }, host: { type: 'string', default: '127.0.0.1' } },
  })
  const fake = await startFakeAnthropic({ port: Number(values.port), host: values.host })
  console.log(fake.url)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void fake.close())
}
