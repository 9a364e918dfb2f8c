import { setTimeout as sleep } from 'node:timers/promises'
import type { SSEStreamingApi } from 'hono/streaming'

/** How often an idle event stream sends a comment, so proxies do not close it. */
const KEEP_ALIVE_MS = 15_000

/**
 * Holds an event stream open until `over` aborts, with keep-alive comments; then, if the stream
 * ended for a reason the page should know (`reason()`: finished, signed out, replaced), says so in
 * an `end` event, so the browser stops reconnecting. Without one, it just ends and the browser reconnects.
 */
export async function holdOpen(stream: SSEStreamingApi, over: AbortSignal, reason: () => string | undefined): Promise<void> {
  while (!over.aborted) {
    await sleep(KEEP_ALIVE_MS, undefined, { signal: over }).catch(() => undefined)
    if (!over.aborted) await stream.write(': keep-alive\n\n')
  }
  const why = reason()
  if (why && !stream.aborted) await stream.writeSSE({ event: 'end', data: why })
}
