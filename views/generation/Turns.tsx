import type { Turn } from '../../src/db/schema'

/** The turns of a conversation (or of one of its versions), speaker by speaker. */
export function Turns(props: { turns: Turn[] }) {
  return (
    <ol class="turns">
      {props.turns.map((turn) => (
        <li class={`turn ${turn.role}`}>
          <strong>{turn.role}</strong>
          <p>{turn.content}</p>
        </li>
      ))}
    </ol>
  )
}
