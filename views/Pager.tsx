import type { Child } from 'hono/jsx'

/** The link to the next page of a list; the page keeps its filters in `href`. */
export function Pager(props: { href: string; children: Child }) {
  return (
    <p class="load-more">
      <a href={props.href} rel="next">
        {props.children}
      </a>
    </p>
  )
}

/**
 * "Load more" at the end of a list: without JavaScript a link to the next page; with htmx it fetches
 * the next rows (`get`) and puts them in its own place. A row of `columns` cells in a table, else a list item.
 */
export function LoadMore(props: { href: string; get: string; columns?: number; children: Child }) {
  const link = (
    <a href={props.href} hx-get={props.get} hx-target="#load-more" hx-swap="outerHTML" class="load-more">
      {props.children}
    </a>
  )
  return props.columns ? (
    <tr id="load-more">
      <td colspan={props.columns}>{link}</td>
    </tr>
  ) : (
    <li id="load-more">{link}</li>
  )
}
