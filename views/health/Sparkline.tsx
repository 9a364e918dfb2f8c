import { timeOfDay } from '../format'

/** A small line chart of one figure over time, drawn as inline SVG, with its numbers in a table for screen readers. */
export function Sparkline(props: { label: string; points: { at: Date; value: number | null }[] }) {
  const values = props.points.map((p) => p.value).filter((v): v is number => v !== null)
  const width = 240
  const height = 48
  const max = Math.max(...values, 1)
  const min = Math.min(...values, 0)
  const step = props.points.length > 1 ? width / (props.points.length - 1) : width
  const line = props.points
    .map((p, i) => (p.value === null ? null : `${(i * step).toFixed(1)},${(height - 2 - ((p.value - min) / (max - min || 1)) * (height - 4)).toFixed(1)}`))
    .filter(Boolean)
    .join(' ')
  const last = values.at(-1)
  return (
    <figure class="sparkline">
      <figcaption>
        {props.label} <strong>{last === undefined ? '—' : last.toLocaleString('en-US')}</strong>
      </figcaption>
      {values.length > 1 ? (
        <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={`${props.label}, last hour`}>
          <polyline points={line} fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
      ) : (
        <p class="muted">Samples appear each minute once a worker runs.</p>
      )}
      <details>
        <summary>Numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">{props.label}</th>
            </tr>
          </thead>
          <tbody>
            {props.points.map((p) => (
              <tr>
                <td>{timeOfDay(p.at)}</td>
                <td>{p.value ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}
