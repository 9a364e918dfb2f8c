export type SseEvent = { event: string; id: string | undefined; data: string }

export type SseStream = {
  /** The next event, or undefined once the server has ended the stream; fails after `timeoutMs`. */
  next: (timeoutMs?: number) => Promise<SseEvent | undefined>
  /** Events until `until` accepts one (included) or the stream ends. */
  readUntil: (until: (event: SseEvent) => boolean, timeoutMs?: number) => Promise<SseEvent[]>
  /** Stops reading, as a browser closing the page does. */
  cancel: () => Promise<void>
}

/** Reads a text/event-stream response event by event (comments such as keep-alives are skipped). */
export function readSse(res: Response): SseStream {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const ready: SseEvent[] = []
  let buffer = ''
  let ended = false

  const parse = () => {
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const lines = block.split('\n').filter((line) => !line.startsWith(':'))
      if (lines.length === 0) continue
      const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''))
      ready.push({ event: field('event')[0] ?? 'message', id: field('id')[0], data: field('data').join('\n') })
    }
  }

  const next = async (timeoutMs = 10_000): Promise<SseEvent | undefined> => {
    const deadline = Date.now() + timeoutMs
    while (ready.length === 0 && !ended) {
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no server-sent event within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()))
      })
      try {
        const { value, done } = await Promise.race([reader.read(), timeout])
        if (done) ended = true
        else buffer += value
      } finally {
        clearTimeout(timer)
      }
      parse()
    }
    return ready.shift()
  }

  return {
    next,
    async readUntil(until, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      const events: SseEvent[] = []
      for (;;) {
        const event = await next(Math.max(1, deadline - Date.now()))
        if (!event) return events
        events.push(event)
        if (until(event)) return events
      }
    },
    cancel: () => reader.cancel().catch(() => undefined),
  }
}
