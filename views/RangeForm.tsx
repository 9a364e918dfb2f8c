import type { Child } from 'hono/jsx'
import type { DateRange } from '../src/charts/date-range'

/** The from/to days a chart section covers: a plain GET form that works without JavaScript (a refused day is a 400 naming the field). */
export function RangeForm(props: { action: string; range: DateRange; children?: Child }) {
  const field = (name: 'from' | 'to', label: string) => (
    <div class="field">
      <label for={`range-${name}`}>{label}</label>
      <input id={`range-${name}`} type="date" name={name} value={props.range[name]} required />
    </div>
  )
  return (
    <form method="get" action={props.action} class="range-form">
      {props.children}
      {field('from', 'From')}
      {field('to', 'To')}
      <button type="submit">Show</button>
    </form>
  )
}
