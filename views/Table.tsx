import type { Child } from 'hono/jsx'

/** A column heading: its text, or its text and a class (e.g. `num` for right-aligned figures); false leaves the column out. */
export type Heading = string | { label: string; class: string } | false | undefined

/** "Nothing here yet" as the one row of a table (or of a fragment of rows) that has none. */
export function EmptyRow(props: { columns: number; children?: Child }) {
  return (
    <tr>
      <td colspan={props.columns} class="muted">
        {props.children}
      </td>
    </tr>
  )
}

/**
 * A data table: its headings, its rows, and `empty` (the sentence shown as its only row when the
 * caller says it has none). `wrap` lets a wide table scroll sideways inside the page.
 */
export function Table(props: {
  head: Heading[]
  children?: Child
  empty?: string | false
  class?: string
  id?: string
  bodyId?: string
  style?: string
  wrap?: boolean
}) {
  const head = props.head.filter((heading) => heading !== false && heading !== undefined)
  const table = (
    <table class={props.class ? `table ${props.class}` : 'table'} id={props.id} style={props.style}>
      <thead>
        <tr>{head.map((heading) => (typeof heading === 'string' ? <th>{heading}</th> : <th class={heading.class}>{heading.label}</th>))}</tr>
      </thead>
      <tbody id={props.bodyId}>
        {props.empty && <EmptyRow columns={head.length}>{props.empty}</EmptyRow>}
        {props.children}
      </tbody>
    </table>
  )
  return props.wrap ? <div class="table-wrap">{table}</div> : table
}
