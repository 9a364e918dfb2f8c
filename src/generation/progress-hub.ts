import type pg from 'pg'
import type { Logger } from '../log'
import { PROGRESS_CHANNEL } from './progress-channel'

/**
 * The web process's one LISTEN connection for live updates. Workers (any process, any machine)
 * notify PROGRESS_CHANNEL with `{batch_id, …}` (batch progress) or `{user_id}` (a notification);
 * the hub fans each out to the open event streams of that batch or user (their "topic"). Lost connections are re-established; streams resend full state, so
 * a missed notification only delays an update.
 * Why one connection: a LISTEN per open stream would hold a pool connection each; target: a
 * committed result reaches the page in < 100 ms p95 ("progress latency" in test/bench/generation.bench.ts).
 */

/** Open progress streams one user may hold in this process; a further one ends their oldest. */
export const MAX_STREAMS_PER_USER = 5

/** Why the hub ends a stream: its user opened a newer one past the limit, or the process is stopping. */
export type EndReason = 'replaced' | 'closing'

export type Subscriber = {
  userId: string
  /** The batch changed (or may have: after a lost connection every stream is told). */
  changed: () => void
  end: (reason: EndReason) => void
}

export class ProgressHub {
  private readonly byBatch = new Map<string, Set<Subscriber>>()
  /** Each user's subscribers, oldest first. */
  private readonly byUser = new Map<string, Subscriber[]>()
  private readonly batchOf = new Map<Subscriber, string>()
  private client: pg.PoolClient | undefined
  private connecting: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /**
   * Tells `subscriber` of every change of the topic (a batch id, or `userTopic(id)`) until the
   * returned function is called (any number of times). A closed hub ends the subscriber at once.
   */
  async subscribe(batchId: string, subscriber: Subscriber): Promise<() => void> {
    await this.connect()
    if (this.closed) {
      subscriber.end('closing')
      return () => undefined
    }
    let set = this.byBatch.get(batchId)
    if (!set) {
      set = new Set()
      this.byBatch.set(batchId, set)
    }
    set.add(subscriber)
    this.batchOf.set(subscriber, batchId)
    const mine = this.byUser.get(subscriber.userId) ?? []
    this.byUser.set(subscriber.userId, mine)
    mine.push(subscriber)
    while (mine.length > MAX_STREAMS_PER_USER) {
      const oldest = mine[0]!
      this.remove(oldest)
      oldest.end('replaced')
    }
    return () => this.remove(subscriber)
  }

  /** Forgets a subscriber; a second call does nothing (a stream ends on abort and on return). */
  private remove(subscriber: Subscriber): void {
    const batchId = this.batchOf.get(subscriber)
    if (batchId === undefined) return
    this.batchOf.delete(subscriber)
    const set = this.byBatch.get(batchId)
    if (set?.delete(subscriber) && set.size === 0) this.byBatch.delete(batchId)
    const mine = this.byUser.get(subscriber.userId) ?? []
    mine.splice(mine.indexOf(subscriber), 1)
    if (mine.length === 0) this.byUser.delete(subscriber.userId)
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve()
    this.connecting ??= (async () => {
      try {
        const client = await this.pool.connect()
        client.on('notification', (msg) => this.dispatch(msg.payload))
        client.on('error', (err) => this.lost(client, err))
        await client.query(`listen ${PROGRESS_CHANNEL}`)
        // close() may have run while we connected: the connection must not outlive the hub.
        if (this.closed) client.release(true)
        else this.client = client
      } finally {
        this.connecting = undefined
      }
    })()
    return this.connecting
  }

  /** A notice names a batch (`batch_id`) or, for a user's notifications, a user (`user_id`: topic `user:<id>`). */
  private dispatch(payload: string | undefined): void {
    let notice: { batch_id?: unknown; user_id?: unknown }
    try {
      notice = JSON.parse(payload ?? '{}') as typeof notice
    } catch {
      return
    }
    const topic = typeof notice.batch_id === 'string' ? notice.batch_id : typeof notice.user_id === 'string' ? userTopic(notice.user_id) : undefined
    if (topic === undefined) return
    for (const subscriber of this.byBatch.get(topic) ?? []) subscriber.changed()
  }

  private lost(client: pg.PoolClient, err: Error): void {
    if (this.client !== client) return
    this.client = undefined
    client.release(err)
    this.log.warn({ err: err.message }, 'progress LISTEN connection lost; reconnecting')
    const retry = () => {
      if (this.closed) return
      this.connect()
        .then(() => {
          // Whatever changed while we were away: every stream resends its state.
          for (const set of this.byBatch.values()) for (const subscriber of set) subscriber.changed()
        })
        .catch(() => setTimeout(retry, 1000).unref())
    }
    setTimeout(retry, 200).unref()
  }

  /**
   * Ends every stream (browsers reconnect, to another process or after the restart) and gives the
   * LISTEN connection back, destroyed, so that closing the pool does not wait for it.
   */
  async close(): Promise<void> {
    this.closed = true
    const subscribers = [...this.byUser.values()].flat()
    this.byBatch.clear()
    this.byUser.clear()
    this.batchOf.clear()
    for (const subscriber of subscribers) subscriber.end('closing')
    await this.connecting?.catch(() => undefined)
    const client = this.client
    this.client = undefined
    client?.release(true)
  }
}

/** The topic a user's notifications are announced on. */
export const userTopic = (userId: string) => `user:${userId}`

const hubs = new WeakMap<pg.Pool, ProgressHub>()

/** The hub of this pool (one per process and database). */
export function progressHub(pool: pg.Pool, log: Logger): ProgressHub {
  let hub = hubs.get(pool)
  if (!hub) {
    hub = new ProgressHub(pool, log)
    hubs.set(pool, hub)
  }
  return hub
}

/** Closes the pool's hub, if it ever had one (see ProgressHub.close). */
export async function closeProgressHub(pool: pg.Pool): Promise<void> {
  await hubs.get(pool)?.close()
}
