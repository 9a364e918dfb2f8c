import type { DatabaseHealth } from '../../src/health/database-health'
import { CHARTED, type Charted } from '../../src/health/samples'
import type { MaintenanceRun, VacuumProgress } from '../../src/health/vacuum'
import type { PageContext } from '../../src/http/page-context'
import { count, when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { SettingsNav } from '../settings/SettingsNav'
import { Table } from '../Table'
import { Sparkline } from './Sparkline'

function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`
  return `${Math.round(n / 1024)} kB`
}

const ms = (n: number | null) => (n === null ? '—' : `${n} ms`)
const pct = (ratio: number | null) => (ratio === null ? '—' : `${(ratio * 100).toFixed(2)}%`)

export function HealthPage(props: { ctx: PageContext; health: DatabaseHealth; runs: MaintenanceRun[]; notice?: string }) {
  const { health } = props
  return (
    <Layout ctx={props.ctx} title="Database health">
      <SettingsNav ctx={props.ctx} />
      <h1>Database health</h1>
      <Notice message={props.notice} />
      <Alerts alerts={health.alerts} />
      <dl class="health-summary">
        <div>
          <dt>Database size</dt>
          <dd>{bytes(health.database.size_bytes)}</dd>
        </div>
        <div>
          <dt>Cache hit ratio</dt>
          <dd>{pct(health.database.cache_hit_ratio)}</dd>
        </div>
        <div>
          <dt>Connections</dt>
          <dd>
            {health.database.connections} of {health.database.max_connections}
          </dd>
        </div>
        <div>
          <dt>Live workers</dt>
          <dd>{health.workers.live}</dd>
        </div>
        <div>
          <dt>Queued jobs</dt>
          <dd>{count(health.jobs.queued)}</dd>
        </div>
        <div>
          <dt>Failed jobs</dt>
          <dd>{count(health.jobs.failed)}</dd>
        </div>
      </dl>

      <h2>The last hour</h2>
      <div class="sparklines">
        {(Object.keys(CHARTED) as Charted[]).map((key) => (
          <Sparkline label={CHARTED[key]} points={health.samples.map((s) => ({ at: s.taken_at, value: s.values[key] ?? null }))} />
        ))}
      </div>

      <h2>Connection pools</h2>
      <Table
        wrap
        head={['Process', 'Role', 'In use', 'Idle', 'Waiting', 'Size', 'Reported']}
        empty={health.pools.length === 0 && 'No process has reported in the last 15 seconds.'}
      >
        {health.pools.map((p) => (
          <tr>
            <td>
              {p.hostname}:{p.pid}
            </td>
            <td>{p.role}</td>
            <td>{p.total - p.idle}</td>
            <td>{p.idle}</td>
            <td>{p.waiting}</td>
            <td>{p.max}</td>
            <td>{when(p.reported_at)}</td>
          </tr>
        ))}
      </Table>

      <h2>Query latency</h2>
      <p>
        p50 {ms(health.queries.p50_ms)} · p95 {ms(health.queries.p95_ms)} · p99 {ms(health.queries.p99_ms)} over {count(health.queries.count)} statements in the
        last hour <span class="muted">({health.queries.source})</span>
      </p>
      <h3>Slow statements (over 500 ms, last hour)</h3>
      {health.queries.slow.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <Table wrap head={['Took', 'When', 'Statement']}>
          {health.queries.slow.map((q) => (
            <tr>
              <td>{q.ms} ms</td>
              <td>{when(new Date(q.at))}</td>
              <td>
                <code class="wrap">{q.sql}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {health.queries.statements && (
        <>
          <h3>Slowest statements on average (pg_stat_statements)</h3>
          <Table wrap head={['Mean', 'Max', 'Calls', 'Statement']}>
            {health.queries.statements.map((s) => (
              <tr>
                <td>{s.mean_ms.toFixed(1)} ms</td>
                <td>{s.max_ms.toFixed(1)} ms</td>
                <td>{count(s.calls)}</td>
                <td>
                  <code class="wrap">{s.query}</code>
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}

      <h2>Requests by route (last hour, every web process)</h2>
      <Table wrap head={['Route', 'Requests', 'p50', 'p95']}>
        {health.requests.slice(0, 30).map((r) => (
          <tr>
            <td>
              <code>{r.route}</code>
            </td>
            <td>{count(r.count)}</td>
            <td>{ms(r.p50_ms)}</td>
            <td>{ms(r.p95_ms)}</td>
          </tr>
        ))}
      </Table>

      <h2>Job queue</h2>
      <Table wrap head={['Task', 'Queued', 'Running', 'Failed']} empty={health.jobs.by_task.length === 0 && 'The queue is empty.'}>
        {health.jobs.by_task.map((t) => (
          <tr>
            <td>
              <code>{t.task}</code>
            </td>
            <td>{count(t.queued)}</td>
            <td>{count(t.running)}</td>
            <td>{count(t.failed)}</td>
          </tr>
        ))}
      </Table>

      <h2 id="tables">Tables</h2>
      <VacuumRuns runs={props.runs} />
      <Table wrap head={['Table', 'Rows (est.)', 'Size', 'Indexes', 'Dead rows', 'Last vacuum', 'Last analyze', '']}>
        {health.tables.map((t) => (
          <tr>
            <td>
              <code>{t.name}</code>
            </td>
            <td>{count(t.rows)}</td>
            <td>{bytes(t.total_bytes)}</td>
            <td>{bytes(t.index_bytes)}</td>
            <td>{count(t.dead_tuples)}</td>
            <td>{when(latest(t.last_vacuum, t.last_autovacuum))}</td>
            <td>{when(t.last_analyze)}</td>
            <td>
              <form method="post" action="/admin/health/vacuum">
                <input type="hidden" name="table" value={t.name} />
                <button type="submit" class="small">
                  Vacuum (analyze)
                </button>
              </form>
            </td>
          </tr>
        ))}
      </Table>
    </Layout>
  )
}

const latest = (a: Date | null, b: Date | null) => (a && b ? (a > b ? a : b) : (a ?? b))

function Alerts(props: { alerts: DatabaseHealth['alerts'] }) {
  if (props.alerts.length === 0) return <Notice message="No alerts: every check is within its limits." />
  return (
    <ul class="alerts" aria-label="Alerts">
      {props.alerts.map((a) => (
        <li class={`alert ${a.severity}`}>{a.message}</li>
      ))}
    </ul>
  )
}

function VacuumRuns(props: { runs: MaintenanceRun[] }) {
  if (props.runs.length === 0) return null
  return (
    <ul class="vacuum-runs" aria-label="Recent maintenance">
      {props.runs.map((run) => (
        <VacuumRunItem run={run} progress={null} />
      ))}
    </ul>
  )
}

/** One run; while it is queued or running it asks again every second (htmx), then stays as it ended. */
export function VacuumRunItem(props: { run: MaintenanceRun; progress: VacuumProgress | null }) {
  const { run, progress } = props
  const live = run.status === 'queued' || run.status === 'running'
  const scanned = progress && progress.heap_blks_total > 0 ? ` (${Math.round((progress.heap_blks_scanned / progress.heap_blks_total) * 100)}% scanned)` : ''
  return (
    <li id={`run-${run.id}`} hx-get={live ? `/admin/health/vacuum/${run.id}` : undefined} hx-trigger={live ? 'load delay:1s' : undefined} hx-swap="outerHTML">
      VACUUM (ANALYZE) <code>{run.table_name}</code>: {run.status}
      {progress ? `, ${progress.phase}${scanned}` : ''}
      {run.error ? ` — ${run.error}` : ''} <span class="muted">{when(run.finished_at ?? run.started_at ?? run.created_at)}</span>
    </li>
  )
}
