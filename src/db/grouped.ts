import type { Kysely } from 'kysely'
import type { DB } from './schema'

/**
 * Group commit for the statements every generated conversation runs (claim, rate-limit lease,
 * store): calls made while earlier ones are on their way to Postgres wait, then go together as
 * one statement, one round trip and one commit. A lone call goes at once, so a quiet worker adds
 * no delay; a busy one pays the per-statement cost once per group instead of once per call.
 * Why: the generation targets of test/bench/generation.bench.ts, end-to-end throughput ≥ 300
 * conv/s and pipeline overhead < 15 ms p50 per conversation. Grouping took Postgres CPU per
 * conversation from 3.5 to 1.7 ms and that throughput from ~200 to ~420 conv/s (commit 71f3830).
 */
export type Grouped<I, O> = (db: Kysely<DB>, input: I) => Promise<O>

/** `run` answers every input of a group, in order. */
export type GroupRun<I, O> = (db: Kysely<DB>, inputs: I[]) => Promise<O[]>

type Waiting<I, O> = { input: I; resolve: (output: O) => void; reject: (err: unknown) => void }
type Queue<I, O> = { waiting: Array<Waiting<I, O>>; running: number; scheduled: boolean }

export function grouped<I, O>(run: GroupRun<I, O>, { maxGroup = 64, inFlight = 2 } = {}): Grouped<I, O> {
  const queues = new WeakMap<Kysely<DB>, Queue<I, O>>()

  const pump = (db: Kysely<DB>, queue: Queue<I, O>) => {
    queue.scheduled = false
    while (queue.running < inFlight && queue.waiting.length > 0) {
      const group = queue.waiting.splice(0, maxGroup)
      queue.running++
      void runGroup(db, group).finally(() => {
        queue.running--
        pump(db, queue)
      })
    }
  }

  const runGroup = async (db: Kysely<DB>, group: Array<Waiting<I, O>>) => {
    try {
      const outputs = await run(
        db,
        group.map((w) => w.input),
      )
      for (const [i, w] of group.entries()) w.resolve(outputs[i]!)
    } catch (err) {
      if (group.length === 1) return group[0]!.reject(err)
      // One bad input must not fail its neighbours: each goes again on its own.
      await Promise.all(group.map((w) => run(db, [w.input]).then(([output]) => w.resolve(output!), w.reject)))
    }
  }

  return (db, input) =>
    new Promise<O>((resolve, reject) => {
      let queue = queues.get(db)
      if (!queue) {
        queue = { waiting: [], running: 0, scheduled: false }
        queues.set(db, queue)
      }
      queue.waiting.push({ input, resolve, reject })
      // Calls made in the same tick go in the same group.
      if (!queue.scheduled) {
        queue.scheduled = true
        const q = queue
        queueMicrotask(() => pump(db, q))
      }
    })
}
