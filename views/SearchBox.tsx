/**
 * The search-as-you-type box of a filtered list. It belongs to the list's filter form (`form`) but
 * sits outside it, so leaving the box (a change event) does not submit a second time; htmx swaps
 * `#results` and pushes the URL, and without JavaScript the form's own submit does the same.
 */
export function SearchBox(props: { action: string; value?: string; placeholder: string; form?: string }) {
  const form = props.form ?? 'filters'
  return (
    <div class="field search">
      <label for="f-q">Search</label>
      <input
        id="f-q"
        type="search"
        name="q"
        form={form}
        value={props.value ?? ''}
        placeholder={props.placeholder}
        autocomplete="off"
        hx-get={props.action}
        hx-include={`#${form}`}
        hx-target="#results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="input changed delay:300ms, search"
      />
    </div>
  )
}
