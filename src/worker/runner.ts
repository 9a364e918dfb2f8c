import { EventEmitter } from 'node:events'
import os from 'node:os'
import { makeWorkerUtils, type Runner, run, type WorkerEvents, type WorkerUtils } from 'graphile-worker'
import type pg from 'pg'
import { CRONTAB, taskList } from '../../tasks'
import type { Deps } from '../deps'
import { leaseHolder, releaseLeasesOf } from '../generation/rate-limit'
import { beat, forgetWorkers, HEARTBEAT_INTERVAL_MS, takeDeadWorkers } from './heartbeats'
import { recordJobFailure } from './job-failures'
import { workerLogger } from './logger'

export type WorkerHandle = { stop: () => Promise<void> }

/** How long running jobs may take to finish when the worker stops before they are aborted (a stop must fit in 5 s). */
export const STOP_GRACE_MS = 2_000

/**
 * Runs graphile-worker in this process, with a heartbeat in Postgres. Every worker process also
 * sweeps: the jobs and rate-limit leases of a worker that stopped beating (kill -9, lost machine)
 * are released within WORKER_DEAD_AFTER_MS and a beat, instead of the ~4 hours graphile-worker
 * waits on its own and the lease's expiry.
 */
export async function startWorker(deps: Deps, pool: pg.Pool): Promise<WorkerHandle> {
  const { db, config, log } = deps
  const logger = workerLogger(log)
  const events: WorkerEvents = new EventEmitter()
  const workerIds = new Set<string>()
  events.on('worker:create', ({ worker }) => workerIds.add(worker.workerId))
  // graphile-worker 0.18 locks jobs under the pool's id, so the pool must beat too for the sweep to free them.
  events.on('pool:create', ({ workerPool }) => workerIds.add(workerPool.id))
  // Emitted once a job's last attempt failed: it stays in the queue for Recovery, and goes to the error log.
  events.on('job:failed', ({ job, error }) => void recordJobFailure(deps, job, error))
  const host = { hostname: os.hostname(), pid: process.pid }

  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: pool, logger })
  const runner: Runner = await run({
    pgPool: pool,
    concurrency: config.workerConcurrency,
    // Jobs are fetched a batch at a time and completions written together: fewer round trips per
    // job when thousands are queued (a batch of conversations). A dead worker's batch is unlocked by the sweep.
    preset: { worker: { localQueue: { size: config.workerConcurrency * 2 }, completeJobBatchDelay: 2, gracefulShutdownAbortTimeout: STOP_GRACE_MS } },
    taskList: taskList(deps),
    crontab: CRONTAB,
    noHandleSignals: true,
    logger,
    events,
  })

  const tick = async () => {
    try {
      await beat(db, [...workerIds], host)
      const dead = await takeDeadWorkers(db, host)
      if (dead.length) {
        // Everything they held goes back at once: their jobs (run again, fenced by the claim) and
        // their rate-limit places, which would otherwise block the concurrency until they expire.
        await utils.forceUnlockWorkers(dead.map((w) => w.worker_id))
        await releaseLeasesOf(db, [...new Set(dead.map(leaseHolder))])
        log.warn({ workers: dead.map((w) => w.worker_id) }, 'released the jobs and rate-limit leases of workers that stopped responding')
      }
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'worker heartbeat failed')
    }
  }
  await tick()
  const timer = setInterval(tick, HEARTBEAT_INTERVAL_MS)
  log.info({ concurrency: config.workerConcurrency }, 'worker started')

  return {
    async stop() {
      clearInterval(timer)
      // Graceful: running jobs finish, or are told to stop after STOP_GRACE_MS (a generation goes
      // back to the queue), before we return.
      await runner.stop()
      // graphile-worker may keep jobs it fetched ahead locked under our ids (it fails to return
      // them from a waiting local queue): hand them back, as for a dead worker.
      await utils.forceUnlockWorkers([...workerIds]).catch(() => undefined)
      await forgetWorkers(db, [...workerIds]).catch(() => undefined)
      await utils.release()
      log.info('worker stopped')
    },
  }
}
