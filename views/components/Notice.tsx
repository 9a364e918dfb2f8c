/** What the page has to tell: the result of what was just done (`?done=`) or news about what is shown. */
export function Notice(props: { message?: string }) {
  return props.message ? (
    <p class="notice" role="status">
      {props.message}
    </p>
  ) : null
}
