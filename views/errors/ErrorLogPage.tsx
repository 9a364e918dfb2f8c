import { ERROR_AREAS, ERROR_CODES, SEVERITIES } from '../../src/error-codes'
import type { ErrorListItem, ErrorQuery } from '../../src/error-log/queries'
import type { PageContext } from '../../src/http/page-context'
import { DateRangeFields } from '../DateRangeFields'
import { errorWords, when } from '../format'
import { Layout } from '../Layout'
import { Pager } from '../Pager'
import { SettingsNav } from '../settings/SettingsNav'
import { Table } from '../Table'

type Props = { ctx: PageContext; query: ErrorQuery; items: ErrorListItem[]; nextCursor: string | null; keptDays: number }

/** The longest message shown in the list; the details page shows it whole. */
const MESSAGE_SHOWN = 200

export function ErrorLogPage(props: Props) {
  const { query } = props
  const next = new URLSearchParams(
    Object.entries({ ...query, cursor: props.nextCursor ?? '' })
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => [k, String(v)]),
  )
  return (
    <Layout ctx={props.ctx} title="Error log">
      <SettingsNav ctx={props.ctx} />
      <h1>Error log</h1>
      <p class="muted">
        Every unexpected error: failed requests, jobs that failed for good, generations past their retry budget, failed exports. Entries are kept{' '}
        {props.keptDays} days.
      </p>
      <form method="get" action="/admin/errors" class="filters">
        <label>
          Search
          <input type="search" name="q" value={query.q} placeholder="Reference, code or words" />
        </label>
        <label>
          Code
          <select name="code">
            <option value="">Every code</option>
            {Object.keys(ERROR_CODES).map((code) => (
              <option value={code} selected={query.code === code}>
                {code}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select name="severity">
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option value={s} selected={query.severity === s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Area
          <select name="area">
            <option value="">Any</option>
            {ERROR_AREAS.map((a) => (
              <option value={a} selected={query.area === a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <DateRangeFields from={query.from} to={query.to} />
        <button type="submit">Filter</button>
      </form>
      <Table wrap class="error-log" head={['When', 'Reference', 'What', 'Message']} empty={props.items.length === 0 && 'No errors match.'}>
        {props.items.map((e) => (
          <tr data-reference={e.reference}>
            <td>{when(e.created_at)}</td>
            <td>
              <a href={`/errors/${e.reference}`}>{e.reference}</a>
            </td>
            <td>
              <span class={`pill severity-${e.severity}`}>{e.severity}</span> {errorWords(e.code)} <code>{e.code}</code>
            </td>
            <td class="error-message">{e.message.length > MESSAGE_SHOWN ? `${e.message.slice(0, MESSAGE_SHOWN)}…` : e.message}</td>
          </tr>
        ))}
      </Table>
      {props.nextCursor && <Pager href={`/admin/errors?${next.toString()}`}>Older errors</Pager>}
    </Layout>
  )
}
