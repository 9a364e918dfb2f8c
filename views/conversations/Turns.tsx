import type { JSX } from 'hono/jsx/jsx-runtime'
import type { Turn } from '../../src/db/schema'

const SPEAKERS: Record<Turn['role'], string> = { user: 'User', assistant: 'Assistant' }

/**
 * A conversation's turns (or one version's), speaker by speaker: the conversation page, the review
 * screen and the compare page all show them so. `edit` adds a form under each turn; those turns get
 * anchors (#turn-2) that an edit's redirect returns to (a compare page shows two lists, so no ids there).
 */
export function Turns(props: { turns: Turn[]; label?: string; edit?: (turn: Turn, n: number) => JSX.Element }) {
  return (
    <ol class="turns" aria-label={props.label}>
      {props.turns.map((turn, i) => (
        <li class={`turn turn-${turn.role}`} id={props.edit ? `turn-${i + 1}` : undefined}>
          <p class="speaker">
            <strong>{SPEAKERS[turn.role]}</strong> <small class="muted">turn {i + 1}</small>
          </p>
          <p class="content">{turn.content}</p>
          {props.edit?.(turn, i + 1)}
        </li>
      ))}
    </ol>
  )
}
