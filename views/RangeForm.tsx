import type { Child } from 'hono/jsx'
import type { DateRange } from '../src/charts/date-range'
import { DateRangeFields } from './DateRangeFields'

/** The from/to days a chart section covers: a plain GET form that works without JavaScript (a refused day is a 400 naming the field). */
export function RangeForm(props: { action: string; range: DateRange; children?: Child }) {
  return (
    <form method="get" action={props.action} class="range-form">
      {props.children}
      <DateRangeFields from={props.range.from} to={props.range.to} required />
      <button type="submit">Show</button>
    </form>
  )
}
