/** What the page has to tell: the result of what was just done (`?done=`) or news about what is shown. */
export function Notice(props: { message?: string }) {
  return <Message class="notice" role="status" message={props.message} />
}

/** A sentence for the person, announced by screen readers as news (status) or at once (alert); nothing without one. */
export function Message(props: { class: string; role: 'status' | 'alert'; message?: string }) {
  return props.message ? (
    <p class={props.class} role={props.role}>
      {props.message}
    </p>
  ) : null
}
