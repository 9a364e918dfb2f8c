import type { PageContext } from '../../src/http/page-context'
import type { Recovery, RecoveryQuery } from '../../src/recovery/overview'
import { ConfirmPage } from '../ConfirmPage'
import { count, when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { Table } from '../Table'
import { RecoveryNav } from './RecoveryNav'

/**
 * What failed and how to set it going again: failed conversations by error code, stuck batches,
 * failed or expired exports, jobs the queue gave up on. Every action is a plain form (a confirm page
 * first); with htmx it asks inline in its row and the sections are swapped in place afterwards.
 */
export function RecoveryPage(props: { ctx: PageContext; recovery: Recovery; query: RecoveryQuery; notice?: string | undefined }) {
  const { query } = props
  return (
    <Layout ctx={props.ctx} title="Recovery">
      <h1>Recovery</h1>
      <RecoveryNav ctx={props.ctx} />
      <p class="muted">What failed, and how to set it going again. Every action asks first and says what it did.</p>
      <Notice message={props.notice} />
      <form method="get" action="/recovery" class="filters">
        <label>
          Stuck after (minutes)
          <input type="number" name="stuck_minutes" min="1" max="10080" value={String(query.stuck_minutes)} />
        </label>
        <label>
          Failed of one batch (id)
          <input type="text" name="batch_id" value={query.batch_id ?? ''} placeholder="all batches" size={36} />
        </label>
        <button type="submit">Show</button>
      </form>
      <RecoverySections recovery={props.recovery} query={query} />
    </Layout>
  )
}

/** The four sections, swapped whole after an htmx action. */
export function RecoverySections(props: { recovery: Recovery; query: RecoveryQuery }) {
  const { recovery, query } = props
  return (
    <div id="recovery">
      <FailedGroups recovery={recovery} query={query} />
      <StuckBatches recovery={recovery} query={query} />
      <Exports recovery={recovery} query={query} />
      <Jobs recovery={recovery} query={query} />
    </div>
  )
}

type SectionProps = { recovery: Recovery; query: RecoveryQuery }

function FailedGroups({ recovery, query }: SectionProps) {
  const groups = recovery.failed_by_code
  const total = groups.reduce((n, g) => n + g.count, 0)
  return (
    <section aria-labelledby="failed-heading">
      <h2 id="failed-heading">
        Failed conversations{query.batch_id && ' of this batch'} <small class="muted">{count(total)}</small>
      </h2>
      <Table head={['Error and what to do', { label: 'Failed', class: 'num' }, '']} empty={groups.length === 0 && 'No failed conversations.'} wrap>
        {groups.map((g) => (
          <tr>
            <td>
              <strong>{g.title ?? 'An error no longer on the list of codes.'}</strong> <code>{g.code}</code>
              <br />
              {g.action ?? 'Retry; give an admin the code if it fails again.'}
            </td>
            <td class="num">
              <a href={`/?status=failed${query.batch_id ? `&batch_id=${query.batch_id}` : ''}`}>{count(g.count)}</a>
            </td>
            <td id={`act-code-${g.code}`}>
              <ActionForm action="/recovery/retry" query={query} target={`act-code-${g.code}`} fields={{ code: g.code, batch_id: query.batch_id }}>
                Retry all {count(g.count)}
              </ActionForm>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  )
}

function StuckBatches({ recovery, query }: SectionProps) {
  return (
    <section aria-labelledby="stuck-heading">
      <h2 id="stuck-heading">Batches with no progress for {query.stuck_minutes} minute(s)</h2>
      <Table
        head={['Batch', { label: 'Queued', class: 'num' }, { label: 'Generating', class: 'num' }, '']}
        empty={recovery.stuck_batches.length === 0 && 'Every running batch is making progress.'}
        wrap
      >
        {recovery.stuck_batches.map((b) => (
          <tr>
            <td>
              <a href={`/batches/${b.id}`}>{b.name}</a>
              <br />
              <small class="muted">last finished: {b.last_finished_at ? when(b.last_finished_at) : 'none yet'}</small>
            </td>
            <td class="num">{count(b.queued)}</td>
            <td class="num">
              {count(b.generating)}
              {b.stale_generating > 0 && <small class="muted"> ({count(b.stale_generating)} stale)</small>}
            </td>
            <td id={`act-batch-${b.id}`}>
              <ActionForm action={`/recovery/batches/${b.id}/resume`} query={query} target={`act-batch-${b.id}`}>
                Resume
              </ActionForm>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  )
}

function Exports({ recovery, query }: SectionProps) {
  return (
    <section aria-labelledby="exports-heading">
      <h2 id="exports-heading">Exports that failed or expired</h2>
      <Table head={['Export', 'Why', '']} empty={recovery.exports.length === 0 && 'No failed or recently expired exports.'} wrap>
        {recovery.exports.map((e) => (
          <tr>
            <td>
              <a href={`/exports/${e.id}`}>{e.format}</a> <span class="pill">{e.status}</span>
              <br />
              <small class="muted">asked for {when(e.created_at)}</small>
            </td>
            <td>{e.status === 'failed' ? (e.error ?? 'It failed.') : `Its files were removed ${when(e.expires_at)}.`}</td>
            <td id={`act-export-${e.id}`}>
              <ActionForm action={`/recovery/exports/${e.id}/rerun`} query={query} target={`act-export-${e.id}`}>
                Run again
              </ActionForm>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  )
}

function Jobs({ recovery, query }: SectionProps) {
  return (
    <section aria-labelledby="jobs-heading">
      <h2 id="jobs-heading">Jobs the queue gave up on</h2>
      <Table head={['Job', 'Last error', '']} empty={recovery.jobs.length === 0 && 'No job has failed for good.'} wrap>
        {recovery.jobs.map((j) => (
          <tr>
            <td>
              <code>{j.task_identifier}</code> <small class="muted">#{j.id}</small>
              <br />
              <small class="muted">
                {j.attempts} of {j.max_attempts} attempt(s), last {when(j.updated_at)}
              </small>
            </td>
            <td>
              <LastError text={j.last_error} />
            </td>
            <td id={`act-job-${j.id}`}>
              <div class="actions">
                <ActionForm action={`/recovery/jobs/${j.id}/retry`} query={query} target={`act-job-${j.id}`}>
                  Retry
                </ActionForm>
                <ActionForm action={`/recovery/jobs/${j.id}/delete`} query={query} target={`act-job-${j.id}`}>
                  Delete
                </ActionForm>
              </div>
            </td>
          </tr>
        ))}
      </Table>
    </section>
  )
}

/** An error's first line in view, the rest (a stack) folded away. */
function LastError(props: { text: string | null }) {
  if (!props.text) return <span class="muted">—</span>
  const first = props.text.split('\n', 1)[0]!
  const head = first.length > 160 ? `${first.slice(0, 160)}…` : first
  if (head === props.text) return <span style="overflow-wrap: anywhere">{head}</span>
  return (
    <details>
      <summary style="overflow-wrap: anywhere">{head}</summary>
      <pre style="white-space: pre-wrap; overflow-wrap: anywhere">{props.text}</pre>
    </details>
  )
}

/** The page's filters as hidden fields, so an action's answer shows the same view. */
function QueryFields(props: { query: RecoveryQuery }) {
  return (
    <>
      <input type="hidden" name="stuck_minutes" value={String(props.query.stuck_minutes)} />
      {props.query.batch_id && <input type="hidden" name="batch_id" value={props.query.batch_id} />}
    </>
  )
}

/** An action's first step: without JavaScript it opens the confirm page; with htmx the question replaces the button in its cell. */
function ActionForm(props: { action: string; query: RecoveryQuery; target: string; fields?: Record<string, string | undefined>; children?: unknown }) {
  return (
    <form method="post" action={props.action} hx-post={props.action} hx-target={`#${props.target}`} hx-swap="innerHTML" class="inline">
      {Object.entries(props.fields ?? {}).map(
        ([name, value]) => value !== undefined && name !== 'batch_id' && <input type="hidden" name={name} value={value} />,
      )}
      <QueryFields query={props.query} />
      <button type="submit">{props.children}</button>
    </form>
  )
}

type Ask = { title: string; what: string; action: string; confirm: string; query: RecoveryQuery }

/** The question in place of the button: what will happen and to how many, confirm or keep. */
export function InlineConfirm(props: Ask & { fields?: Record<string, string> }) {
  return (
    <div class="confirm" role="alertdialog" aria-label={props.title}>
      <p>
        <strong>{props.title}</strong> {props.what}
      </p>
      <form method="post" action={props.action} hx-post={props.action} hx-target="#recovery" hx-swap="outerHTML" class="inline">
        <ConfirmFields {...props} />
        <button type="submit" class="primary">
          {props.confirm}
        </button>
        <a href="/recovery" hx-get={`/recovery?${queryString(props.query)}`} hx-target="#recovery" hx-swap="outerHTML">
          Keep it
        </a>
      </form>
    </div>
  )
}

/** The same question as a page, for a browser without JavaScript. */
export function RecoveryConfirmPage(props: Ask & { ctx: PageContext; fields?: Record<string, string> }) {
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={props.title}
      action={props.action}
      confirm={props.confirm}
      back={`/recovery?${queryString(props.query)}`}
      backLabel="Back to Recovery"
      fields={<ConfirmFields {...props} />}
    >
      <p>{props.what}</p>
    </ConfirmPage>
  )
}

/** What the confirmed post carries: `confirmed=true`, the action's own fields and the page's filters. */
function ConfirmFields(props: { query: RecoveryQuery; fields?: Record<string, string> }) {
  return (
    <>
      <input type="hidden" name="confirmed" value="true" />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <QueryFields query={props.query} />
    </>
  )
}

function queryString(query: RecoveryQuery): string {
  const params = new URLSearchParams({ stuck_minutes: String(query.stuck_minutes) })
  if (query.batch_id) params.set('batch_id', query.batch_id)
  return params.toString()
}
