import type { ExportListItem, ExportReport } from '../../src/exports/queries'
import { when } from '../format'
import { Table } from '../Table'
import { formatBytes } from './describe'

const LIVE = new Set(['queued', 'running'])
const PILL: Record<string, string> = { done: 'pill good', failed: 'pill bad', expired: 'pill', queued: 'pill', running: 'pill' }

export function StatusPill(props: { row: ExportListItem }) {
  const label = props.row.deleted_at ? 'deleted' : props.row.status
  return <span class={PILL[label] ?? 'pill'}>{label}</span>
}

/**
 * The export's state, swapped in place: while queued or running it polls itself every second
 * (htmx) and shows progress; once done it shows the files to download and the report.
 */
export function ExportStatus(props: { row: ExportListItem }) {
  const { row } = props
  const report = row.report as Partial<ExportReport>
  const live = LIVE.has(row.status) && !row.deleted_at
  const total = report.total ?? 0
  return (
    <section
      id="export-status"
      class="card"
      aria-live="polite"
      hx-get={live ? `/exports/${row.id}/status` : undefined}
      hx-trigger={live ? 'every 1s' : undefined}
      hx-swap={live ? 'outerHTML' : undefined}
    >
      <p>
        Status: <StatusPill row={row} />
      </p>
      {live && (
        <p>
          <progress max={Math.max(total, 1)} value={row.count}></progress> {row.count} of {total} conversations written…
        </p>
      )}
      {row.status === 'failed' && (
        <p class="form-error" role="alert">
          {row.error}
        </p>
      )}
      {row.status === 'done' && !row.deleted_at && (
        <>
          <p>
            {row.count} conversations, {formatBytes(row.bytes)}, written in {row.duration_ms ?? 0} ms. Available until {when(row.expires_at)}.
          </p>
          <Table head={['File', 'Conversations', 'Size', 'sha256']}>
            {row.files.map((file) => (
              <tr>
                <td>
                  <a href={`/exports/${row.id}/download?file=${encodeURIComponent(file.name)}`} download={file.name}>
                    {file.name}
                  </a>
                </td>
                <td>{file.count}</td>
                <td>{formatBytes(file.bytes)}</td>
                <td>
                  <code>{file.sha256}</code>
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}
      {row.status === 'expired' && <p class="muted">The file expired on {when(row.expires_at)} and was removed; the record stays.</p>}
      {row.deleted_at && <p class="muted">Deleted on {when(row.deleted_at)}; the file was removed.</p>}
      {!live && <ExportReportView report={report} />}
    </section>
  )
}

function ExportReportView(props: { report: Partial<ExportReport> }) {
  const { report } = props
  return (
    <>
      {report.warnings?.length ? (
        <ul class="warnings">
          {report.warnings.map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      ) : null}
      {report.invalid?.length ? (
        <details open={report.invalid.length <= 10}>
          <summary>
            {report.invalid_count} conversation{report.invalid_count === 1 ? '' : 's'} left out because they break the format’s rules
          </summary>
          <ul>
            {report.invalid.map((item) => (
              <li>
                <code>{item.id}</code> {item.title}: {item.problems.join('; ')}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  )
}
