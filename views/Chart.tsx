import { count, money, percent, score } from './format'

/**
 * A chart drawn in the browser by public/charts.js (Chart.js from node_modules) from the data the
 * page embeds as JSON, never from HTML. Every chart has a heading, an aria-label on its canvas, and
 * its numbers in a table under it, so a screen reader (or a browser without JavaScript) reads the
 * same figures. Pages with charts include <ChartScripts/> once.
 */

/** How a series' numbers read: `ratio` is 0–1 shown as a percentage, `per_minute` a rate. */
export type ChartUnit = 'count' | 'ratio' | 'usd' | 'score' | 'per_minute'
/** Colours are the theme's CSS variables, so dark mode recolours the chart. */
export type ChartColor = 'accent' | 'good' | 'bad' | 'warn' | 'muted'

export type ChartSeries = {
  label: string
  values: (number | null)[]
  unit: ChartUnit
  color: ChartColor
  /** Drawn against a second axis (two units on one chart). */
  axis?: 'right'
  /** A line over a bar chart's bars. */
  line?: boolean
  /** Only in the table: a figure that explains the drawn ones without being drawn itself. */
  table_only?: boolean
}

export type ChartSpec = {
  kind: 'line' | 'bar'
  /** Bars along the vertical axis, one row per label: long labels (templates, reasons) stay readable at 390 px. */
  horizontal?: boolean
  stacked?: boolean
  labels: string[]
  series: ChartSeries[]
}

export function formatValue(value: number | null, unit: ChartUnit): string {
  if (value === null) return '—'
  switch (unit) {
    case 'count':
      return count(value)
    case 'ratio':
      return percent(value)
    case 'usd':
      return money(value)
    case 'score':
      return score(value)
    case 'per_minute':
      return `${value.toFixed(1)} / min`
  }
}

type ChartProps = {
  id: string
  title: string
  /** What the chart shows, for the canvas's aria-label ("… by day, 2026-11-01 to 2026-11-30"). */
  description: string
  /** The table's first column: what each label is (Day, Template, Reason…). */
  labelHeading: string
  spec: ChartSpec
  /** Said instead of a chart when there is nothing to draw. */
  empty: string
  /** The heading level inside its section. */
  level?: 2 | 3
  /** A shorter drawing area (the dashboard's, which must not push the table far down). */
  compact?: boolean
}

export function Chart(props: ChartProps) {
  const { spec } = props
  const Heading = props.level === 2 ? 'h2' : 'h3'
  const hasData = spec.labels.length > 0 && spec.series.some((s) => s.values.some((v) => v !== null && v !== 0))
  const height = props.compact ? 'compact' : spec.horizontal ? 'rows' : 'normal'
  return (
    <figure class="chart" id={props.id} aria-labelledby={`${props.id}-title`}>
      <Heading id={`${props.id}-title`} class="chart-title">
        {props.title}
      </Heading>
      {hasData ? (
        <>
          <div class={`chart-area ${height}`} style={spec.horizontal ? `--rows: ${spec.labels.length}` : undefined}>
            <canvas role="img" aria-label={`${props.description}. The numbers are in the table below.`} />
          </div>
          <script type="application/json" class="chart-data">
            {JSON.stringify(spec)}
          </script>
          <details class="chart-numbers">
            <summary>Numbers</summary>
            <div class="table-scroll">
              <table class="table compact">
                <caption class="visually-hidden">{props.title}</caption>
                <thead>
                  <tr>
                    <th scope="col">{props.labelHeading}</th>
                    {spec.series.map((s) => (
                      <th scope="col">{s.label}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {spec.labels.map((label, i) => (
                    <tr>
                      <th scope="row">{label}</th>
                      {spec.series.map((s) => (
                        <td data-series={s.label}>{formatValue(s.values[i] ?? null, s.unit)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </>
      ) : (
        <p class="muted chart-empty">{props.empty}</p>
      )}
    </figure>
  )
}

/** The chart library (served from node_modules) and the script that draws every chart on the page, also after htmx swaps one in. */
export function ChartScripts() {
  return (
    <>
      <link rel="stylesheet" href="/static/charts.css" />
      <script src="/vendor/chart.umd.min.js" defer></script>
      <script src="/static/charts.js" defer></script>
    </>
  )
}
