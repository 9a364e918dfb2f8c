import type pg from 'pg'
import type { Logger } from '../log'

/**
 * The web process's one LISTEN connection for batch progress. Workers (any process, any machine)
 * `pg_notify('batch_progress', {batch_id, …})`; the hub fans each notification out to the open
 * event streams of that batch. Lost connections are re-established; streams resend full state, so
 * a missed notification only delays an update.
 */
export const PROGRESS_CHANNEL = 'batch_progress'

type Listener = () => void

export class ProgressHub {
  private readonly listeners = new Map<string, Set<Listener>>()
  private client: pg.PoolClient | undefined
  private connecting: Promise<void> | undefined
  private closed = false

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
  ) {}

  /** Calls `listener` on every change of the batch until the returned function is called. */
  async subscribe(batchId: string, listener: Listener): Promise<() => void> {
    await this.connect()
    let set = this.listeners.get(batchId)
    if (!set) this.listeners.set(batchId, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(batchId)
    }
  }

  private connect(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve()
    this.connecting ??= (async () => {
      try {
        const client = await this.pool.connect()
        client.on('notification', (msg) => this.dispatch(msg.payload))
        client.on('error', (err) => this.lost(client, err))
        await client.query(`listen ${PROGRESS_CHANNEL}`)
        this.client = client
      } finally {
        this.connecting = undefined
      }
    })()
    return this.connecting
  }

  private dispatch(payload: string | undefined): void {
    let batchId: unknown
    try {
      batchId = (JSON.parse(payload ?? '{}') as { batch_id?: unknown }).batch_id
    } catch {
      return
    }
    if (typeof batchId !== 'string') return
    for (const listener of this.listeners.get(batchId) ?? []) listener()
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
          for (const set of this.listeners.values()) for (const listener of set) listener()
        })
        .catch(() => setTimeout(retry, 1000).unref())
    }
    setTimeout(retry, 200).unref()
  }

  async close(): Promise<void> {
    this.closed = true
    const client = this.client
    this.client = undefined
    if (client) {
      await client.query(`unlisten ${PROGRESS_CHANNEL}`).catch(() => undefined)
      client.release()
    }
  }
}

const hubs = new WeakMap<pg.Pool, ProgressHub>()

/** The hub of this pool (one per process and database). */
export function progressHub(pool: pg.Pool, log: Logger): ProgressHub {
  let hub = hubs.get(pool)
  if (!hub) hubs.set(pool, (hub = new ProgressHub(pool, log)))
  return hub
}
