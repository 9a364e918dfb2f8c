import type { ConversationDetail } from '../../src/conversations/detail'

/** Regenerate from the same inputs, optionally with changed values or another model; the old version is kept. */
export function RegenerateForm(props: { conversation: ConversationDetail }) {
  const c = props.conversation
  const values = Object.entries(c.parameters)
  return (
    <details class="card">
      <summary>Regenerate</summary>
      <form method="post" action={`/conversations/${c.id}/regenerate`}>
        <input type="hidden" name="conversation_version" value={String(c.version)} />
        {values.map(([name, value]) => (
          <div class="field">
            <label for={`f-regen-${name}`}>{name}</label>
            <input id={`f-regen-${name}`} name={`values.${name}`} value={String(value)} />
          </div>
        ))}
        <div class="field">
          <label for="f-regen-model">Model</label>
          <input id="f-regen-model" name="model" placeholder={c.model ?? ''} />
        </div>
        <button type="submit">Regenerate</button>
      </form>
    </details>
  )
}
