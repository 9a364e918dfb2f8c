import { answerBatches } from './simulated-batches'
import { answerSimulated, newId } from './simulator'

/** A fetch that answers Messages API (and Message Batches API) calls in-process, so the real SDK needs no network. */
export function createSimulatorFetch(): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    request.signal.throwIfAborted()
    const url = new URL(request.url)
    const headers = { 'request-id': newId('req') }
    const body = await request.text()
    const batchReply = answerBatches(request.method, url.pathname, body, { origin: url.origin })
    if (batchReply && 'jsonl' in batchReply)
      return new Response(batchReply.jsonl, { status: 200, headers: { ...headers, 'content-type': 'application/binary' } })
    const reply = batchReply ?? answerSimulated(request.method, url.pathname, body)
    return Response.json(reply.body, { status: reply.status, headers })
  }
}
