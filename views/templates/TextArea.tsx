/** A labelled textarea with its error beside it, read like views/Field. */
export function TextArea(props: { name: string; label: string; value?: string; error?: string; rows?: number; required?: boolean; hint?: string }) {
  const id = `f-${props.name}`
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.hint && <small class="muted">{props.hint}</small>}
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        required={props.required}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        style="font: inherit; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px;"
      >
        {props.value ?? ''}
      </textarea>
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  )
}

/** A labelled select over fixed options. */
export function Select(props: { name: string; label: string; options: readonly string[]; value?: string; error?: string }) {
  const id = `f-${props.name}`
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-invalid={props.error ? 'true' : undefined}>
        {props.options.map((option) => (
          <option value={option} selected={option === props.value}>
            {option}
          </option>
        ))}
      </select>
      {props.error && <p class="field-error">{props.error}</p>}
    </div>
  )
}
