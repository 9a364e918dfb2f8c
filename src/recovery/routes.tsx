import { type Context, Hono } from 'hono'
import { z } from 'zod'
import { count } from '../../views/format'
import { InlineConfirm, RecoveryConfirmPage, RecoveryPage, RecoverySections } from '../../views/recovery/RecoveryPage'
import { requireCapability, signedInUser } from '../auth/middleware'
import { NotFound } from '../errors'
import { rerunExport } from '../exports/create'
import { findExport } from '../exports/queries'
import { resumeStuckBatch } from '../generation/batches/controls'
import { isConfirmed } from '../http/confirm'
import type { AppEnv } from '../http/env'
import { doneNotice } from '../http/notice'
import { pageContext } from '../http/page-context'
import { uuidParam } from '../http/params'
import { isHtmx, parseBody, parseInput, readBody } from '../http/respond'
import { toast } from '../http/toast'
import { countFailedGroup, queueGroupRetry, type RetryGroup, RetryGroupInput } from './failed-groups'
import { deleteGaveUpJob, findGaveUpJob, retryGaveUpJob } from './failed-jobs'
import { describeCode, type RecoveryQuery as Query, RecoveryQuery, readRecovery } from './overview'
import { findBatchProgress } from './stuck-batches'

/**
 * The Recovery page and its API, for editors and admins: failed conversations by error code (retry
 * a group), stuck batches (resume), failed or expired exports (run again), jobs graphile-worker gave
 * up on (retry or delete). Each page action asks first (a confirm page, or inline with htmx), then
 * says what it did (`?done=` or a toast).
 */

/** The page's filters, from its query or carried by an action's form. */
const queryOf = (values: Record<string, unknown>): Query => parseInput(RecoveryQuery, values)

const groupOf = (input: z.infer<typeof RetryGroupInput>): RetryGroup => ({ code: input.code, batchId: input.batch_id })

/** A graphile-worker job id in the path (a positive integer); anything else is simply not found. */
function jobIdParam(c: Context<AppEnv>): string {
  const id = c.req.param('id') ?? ''
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw new NotFound('No such failed job.')
  return id
}

// ---------------------------------------------------------------- JSON API (DESIGN.md §8)

export const recoveryApi = new Hono<AppEnv>()
recoveryApi.use('*', requireCapability('edit'))

recoveryApi.get('/', async (c) => c.json(await readRecovery(c.var.db, queryOf(c.req.queries()))))

/** {code, batch_id?} → {queued}: 202 when a job will retry them, 200 {queued: 0} when nothing with that code has failed. */
recoveryApi.post('/retry', async (c) => {
  const group = groupOf(await parseBody(c, RetryGroupInput))
  const queued = await queueGroupRetry(c.var.db, group, signedInUser(c).id)
  return c.json({ queued }, queued > 0 ? 202 : 200)
})

recoveryApi.post('/batches/:id/resume', async (c) => {
  const { stuck_minutes } = await parseBody(c, RecoveryQuery.pick({ stuck_minutes: true }))
  return c.json(await resumeStuckBatch(c.var.db, uuidParam(c, 'id', 'batch'), stuck_minutes))
})

recoveryApi.post('/exports/:id/rerun', async (c) => {
  const row = await rerunExport(c.var.db, uuidParam(c, 'id', 'export'), signedInUser(c).id)
  return c.json({ id: row.id, status: row.status }, 202)
})

recoveryApi.post('/jobs/:id/retry', async (c) => {
  const id = jobIdParam(c)
  await retryGaveUpJob(c.var.db, id)
  return c.json({ id, retried: true })
})

recoveryApi.delete('/jobs/:id', async (c) => {
  await deleteGaveUpJob(c.var.db, jobIdParam(c))
  return c.body(null, 204)
})

// ---------------------------------------------------------------- pages

export const recoveryPages = new Hono<AppEnv>()
recoveryPages.use('*', requireCapability('edit'))

/** The counts a finished action reports, read back from the redirect's query (numbers only). */
function doneCounts(c: Context<AppEnv>): Record<'n' | 'released', string> {
  const n = (key: string) =>
    count(
      z.coerce
        .number()
        .int()
        .min(0)
        .catch(0)
        .parse(c.req.query(key) ?? 0),
    )
  return { n: n('n'), released: n('released') }
}

function notice(c: Context<AppEnv>): string | undefined {
  const { n, released } = doneCounts(c)
  return doneNotice(c, {
    retry_queued: `${n} failed conversation(s) are being queued again by a background job; they leave this list as it works through them.`,
    retry_none: 'Nothing to retry: no conversation has failed with that code (any more).',
    resumed: `Resumed: ${released} stale claim(s) released and ${n} generation job(s) queued.`,
    rerun: 'The export runs again as a new export; follow it on the Exports page.',
    job_retried: 'The job runs again now, with its attempts reset.',
    job_deleted: 'The job was deleted.',
  })
}

recoveryPages.get('/', async (c) => {
  const query = queryOf(c.req.queries())
  const recovery = await readRecovery(c.var.db, query)
  c.header('Vary', 'HX-Request')
  if (isHtmx(c)) return c.html(<RecoverySections recovery={recovery} query={query} />)
  return c.html(<RecoveryPage ctx={pageContext(c)} recovery={recovery} query={query} notice={notice(c)} />)
})

type Done = { done: string; n?: number; released?: number; toast: string; link?: { href: string; label: string } }

/** After an action: htmx gets the sections again and a toast; a plain form post goes back to the page with `?done=`. */
async function answerDone(c: Context<AppEnv>, query: Query, done: Done) {
  if (isHtmx(c)) {
    toast(c, { kind: 'success', message: done.toast, link: done.link })
    return c.html(<RecoverySections recovery={await readRecovery(c.var.db, query)} query={query} />)
  }
  const params = new URLSearchParams({ done: done.done })
  if (done.n !== undefined) params.set('n', String(done.n))
  if (done.released !== undefined) params.set('released', String(done.released))
  if (query.stuck_minutes !== undefined) params.set('stuck_minutes', String(query.stuck_minutes))
  if (query.batch_id) params.set('batch_id', query.batch_id)
  return c.redirect(`/recovery?${params}`, 303)
}

/** Before an action: what it will do and to how many, inline for htmx, as a page otherwise. */
async function askFirst(
  c: Context<AppEnv>,
  query: Query,
  ask: { title: string; what: string; action: string; confirm: string; fields?: Record<string, string> },
) {
  if (isHtmx(c)) return c.html(<InlineConfirm {...ask} query={query} />)
  return c.html(<RecoveryConfirmPage ctx={pageContext(c)} {...ask} query={query} />)
}

recoveryPages.post('/retry', async (c) => {
  const body = await readBody(c)
  const query = queryOf(body)
  const group = groupOf(parseInput(RetryGroupInput, body))
  if (!(await isConfirmed(c))) {
    const failed = await countFailedGroup(c.var.db, group)
    const { title } = describeCode(group.code)
    return askFirst(c, query, {
      title: `Retry the “${group.code}” group?`,
      what:
        failed === 0
          ? 'No conversation has failed with this code (any more): there is nothing to retry.'
          : `${count(failed)} failed conversation(s)${title ? ` (${title})` : ''}${group.batchId ? ' of this batch' : ''} go back to the queue, attempts cleared, and are generated again: a background job queues them 1,000 at a time.`,
      action: '/recovery/retry',
      fields: { code: group.code },
      confirm: failed === 0 ? 'Close' : `Retry ${count(failed)}`,
    })
  }
  const queued = await queueGroupRetry(c.var.db, group, signedInUser(c).id)
  return answerDone(c, query, {
    done: queued > 0 ? 'retry_queued' : 'retry_none',
    n: queued,
    toast: queued > 0 ? `Retrying ${count(queued)} “${group.code}” conversation(s).` : 'Nothing to retry in this group.',
  })
})

recoveryPages.post('/batches/:id/resume', async (c) => {
  const id = uuidParam(c, 'id', 'batch')
  const query = queryOf(await readBody(c))
  if (!(await isConfirmed(c))) {
    const batch = await findBatchProgress(c.var.db, id, query.stuck_minutes)
    if (!batch) throw new NotFound('No such batch.')
    return askFirst(c, query, {
      title: `Resume “${batch.name}”?`,
      what: `${batch.stale_generating} conversation(s) generating for more than ${query.stuck_minutes} minute(s) are released, and every queued one (${batch.queued + batch.stale_generating} then) gets its generation job again. Answers still on their way to a released claim are discarded.`,
      action: `/recovery/batches/${id}/resume`,
      confirm: 'Resume the batch',
    })
  }
  const { released, queued } = await resumeStuckBatch(c.var.db, id, query.stuck_minutes)
  return answerDone(c, query, {
    done: 'resumed',
    n: queued,
    released,
    toast: `Batch resumed: ${released} claim(s) released, ${queued} job(s) queued.`,
    link: { href: `/batches/${id}`, label: 'Open the batch' },
  })
})

recoveryPages.post('/exports/:id/rerun', async (c) => {
  const id = uuidParam(c, 'id', 'export')
  const query = queryOf(await readBody(c))
  if (!(await isConfirmed(c))) {
    const row = await findExport(c.var.db, id)
    if (!row) throw new NotFound('No such export.')
    return askFirst(c, query, {
      title: `Run the ${row.format} export again?`,
      what: `A new ${row.format} export with the same scope and options is made from the conversations as they are now; this ${row.status} one stays in the history.`,
      action: `/recovery/exports/${id}/rerun`,
      confirm: 'Run it again',
    })
  }
  const row = await rerunExport(c.var.db, id, signedInUser(c).id)
  return answerDone(c, query, { done: 'rerun', toast: 'The export runs again.', link: { href: `/exports/${row.id}`, label: 'Follow it' } })
})

for (const action of ['retry', 'delete'] as const) {
  recoveryPages.post(`/jobs/:id/${action}`, async (c) => {
    const id = jobIdParam(c)
    const query = queryOf(await readBody(c))
    if (!(await isConfirmed(c))) {
      const job = await findGaveUpJob(c.var.db, id)
      return askFirst(c, query, {
        title: `${action === 'retry' ? 'Retry' : 'Delete'} job ${id} (${job.task_identifier})?`,
        what:
          action === 'retry'
            ? `Its ${job.attempts} used attempt(s) are reset and it runs now, up to ${job.max_attempts} attempt(s) again.`
            : 'It is removed from the queue for good: what it was to do is not done.',
        action: `/recovery/jobs/${id}/${action}`,
        confirm: action === 'retry' ? 'Retry the job' : 'Delete the job',
      })
    }
    await (action === 'retry' ? retryGaveUpJob(c.var.db, id) : deleteGaveUpJob(c.var.db, id))
    return answerDone(c, query, {
      done: action === 'retry' ? 'job_retried' : 'job_deleted',
      toast: action === 'retry' ? `Job ${id} runs again.` : `Job ${id} deleted.`,
    })
  })
}
