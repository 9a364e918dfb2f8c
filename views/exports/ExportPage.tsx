import { WRITERS } from '../../src/exports/formats'
import type { ExportListItem } from '../../src/exports/queries'
import type { PageContext } from '../../src/http/page-context'
import { when } from '../format'
import { Layout } from '../Layout'
import { describeScope } from './describe'
import { ExportActions } from './ExportActions'
import { ExportStatus } from './ExportStatus'

export function ExportPage(props: { ctx: PageContext; row: ExportListItem }) {
  const { row } = props
  const options = row.options as Record<string, unknown>
  return (
    <Layout ctx={props.ctx} title="Export">
      <p>
        <a href="/exports">← All exports</a>
      </p>
      <h1>{WRITERS[row.format].label}</h1>
      <p class="muted">
        Started by {row.created_by_email ?? 'a removed user'} on {when(row.created_at)}. Scope: {describeScope(row.scope)}. Options:{' '}
        {Object.entries(options)
          .map(([k, v]) => `${k.replaceAll('_', ' ')} ${String(v)}`)
          .join(', ')}
        .
      </p>
      <ExportStatus row={row} />
      <ExportActions row={row} rerunLabel="Run again with these settings" />
    </Layout>
  )
}
