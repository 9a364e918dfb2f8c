import type { Child } from 'hono/jsx'

/**
 * A list's GET form: it works without JavaScript (the page reloads with the query); with htmx it
 * swaps `target` and pushes the URL, so links are shareable and the back button walks through
 * earlier searches and filters.
 */
export function LiveForm(props: { action: string; target: string; trigger: string; class: string; id?: string; children?: Child }) {
  return (
    <form
      method="get"
      action={props.action}
      class={props.class}
      id={props.id}
      hx-get={props.action}
      hx-target={props.target}
      hx-swap="outerHTML"
      hx-push-url="true"
      hx-trigger={props.trigger}
    >
      {props.children}
    </form>
  )
}

/** A list's search: a LiveForm that searches as you type, inside a search landmark. */
export function LiveSearch(props: { action: string; target: string; class: string; children?: Child }) {
  return (
    <search>
      <LiveForm action={props.action} target={props.target} class={props.class} trigger="input changed delay:300ms, submit">
        {props.children}
      </LiveForm>
    </search>
  )
}
