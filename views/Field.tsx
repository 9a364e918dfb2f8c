import { Message } from './Notice'

/** A labelled input with its error beside it; one component so every form reads alike. */
export function Field(props: {
  name: string
  label: string
  type?: string
  value?: string
  error?: string
  required?: boolean
  autocomplete?: string
  autofocus?: boolean
  minlength?: number
}) {
  const id = `f-${props.name}`
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        autocomplete={props.autocomplete}
        autofocus={props.autofocus}
        minlength={props.minlength}
        aria-invalid={props.error ? 'true' : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  )
}

/**
 * A labelled choice among a list (a template's enum values): blank means "not set" (`blank` says
 * what that gives, e.g. the default). A saved value no longer in the list stays offered, so
 * editing something else never drops it silently.
 */
export function SelectField(props: { name: string; label: string; options: readonly string[]; value?: string; blank?: string; error?: string }) {
  const id = `f-${props.name}`
  const options = props.value && !props.options.includes(props.value) ? [...props.options, props.value] : props.options
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      <select id={id} name={props.name} aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.error ? `${id}-error` : undefined}>
        <option value="">{props.blank ?? '—'}</option>
        {options.map((option) => (
          <option value={option} selected={option === props.value}>
            {option}
          </option>
        ))}
      </select>
      {props.error && (
        <p class="field-error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  )
}

/**
 * A value to copy (a new token): a read-only field, selectable without JavaScript, and a Copy
 * button that public/app.js shows and wires to the clipboard.
 */
export function CopyField(props: { id: string; label: string; value: string }) {
  return (
    <div class="copy-field">
      <input type="text" class="secret" id={props.id} value={props.value} readonly aria-label={props.label} spellcheck={false} autocomplete="off" />
      <button type="button" data-copy={props.id} hidden>
        Copy
      </button>
    </div>
  )
}

/** Why the form was refused, above it (the fields' own messages sit beside them). */
/** A password being chosen: at least 8 characters, and marked so password managers offer a new one. */
export function NewPasswordField(props: { label: string; error?: string }) {
  return <Field name="password" label={props.label} type="password" error={props.error} required minlength={8} autocomplete="new-password" />
}

export function FormError(props: { message?: string }) {
  return <Message class="form-error" role="alert" message={props.message} />
}
