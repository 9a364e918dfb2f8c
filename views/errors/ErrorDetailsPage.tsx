import type { ErrorCodeInfo } from '../../src/error-codes'
import type { ErrorLogEntry } from '../../src/error-log/queries'
import type { PageContext } from '../../src/http/page-context'
import { when } from '../format'
import { Layout } from '../Layout'

type Props = { ctx: PageContext; entry: ErrorLogEntry; explained: ErrorCodeInfo | undefined; admin: boolean }

/** One error log entry: what happened and what to do for everyone; the message, context and stack for admins. */
export function ErrorDetailsPage(props: Props) {
  const { entry, explained } = props
  return (
    <Layout ctx={props.ctx} title={`Error ${entry.reference}`}>
      {props.admin && (
        <p>
          <a href="/admin/errors">Back to the error log</a>
        </p>
      )}
      <h1>{explained?.title ?? 'Something went wrong'}</h1>
      <section class="card error-details">
        <dl>
          <dt>What to do</dt>
          <dd>{explained?.action ?? 'Try again; if it keeps happening, give an admin the reference.'}</dd>
          <dt>Reference</dt>
          <dd>
            <code>{entry.reference}</code> (quote it to an admin)
          </dd>
          <dt>When</dt>
          <dd>{when(entry.created_at)}</dd>
          <dt>Code</dt>
          <dd>
            <code>{entry.code}</code> <span class={`pill severity-${entry.severity}`}>{entry.severity}</span> in {entry.area}
          </dd>
        </dl>
      </section>
      {props.admin && (
        <section aria-label="For admins">
          <h2>Message</h2>
          <p class="error-message">{entry.message}</p>
          <h2>Context</h2>
          <pre class="stack">{JSON.stringify(entry.context, null, 2)}</pre>
          <h2>Stack</h2>
          {entry.stack ? <pre class="stack">{entry.stack}</pre> : <p class="muted">No stack was recorded.</p>}
        </section>
      )}
    </Layout>
  )
}
