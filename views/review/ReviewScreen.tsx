import type { ConversationDetail } from '../../src/conversations/detail'
import type { ChunkContext, RejectionReason, Turn } from '../../src/db/schema'
import type { DraftFields, DraftOffer as Offer } from '../../src/drafts/drafts'
import type { ShortcutAction } from '../../src/preferences/schema'
import { type SubmittedDecision, statusWords, submittedDecision } from '../../src/review/actions'
import type { ReviewHistoryEntry } from '../../src/review/queries'
import { type QueuePosition, queueParams, type ReviewQueue } from '../../src/review/queue'
import { highlightSource } from '../../src/review/source-highlight'
import { Turns } from '../conversations/Turns'
import { DraftOffer } from '../Drafts'
import { FormError } from '../Field'
import { count, STATUS_LABELS, score, when } from '../format'
import { Notice } from '../Notice'
import { ReviewActions } from './ReviewActions'
import { ReviewHistory } from './ReviewHistory'

export type ReviewScreenProps = {
  queue: ReviewQueue
  /** Undefined when nothing is left to review in this queue. */
  item?: ConversationDetail
  history: ReviewHistoryEntry[]
  reasons: RejectionReason[]
  previousId?: string
  nextId?: string
  /** Who else is looking at this conversation right now, if anyone. */
  claimedBy?: string
  /** Where it stands in the queue: "12 of 100 pending". */
  position?: QueuePosition
  /** A refused decision: its panel stays open with what was ticked and typed. */
  submitted?: SubmittedDecision
  notice?: string
  error?: string
  /** The reviewer's keys (Preferences); j and k stay as second keys for next and previous. */
  keys: Record<ShortcutAction, string>
  /** The reviewer's kept comment on this conversation: offered, or restored into its form. */
  draft?: { offer?: Offer; restored?: DraftFields }
}

// settle:0: no settle phase, which would put back the attributes of same-id elements from the old
// screen (closing a panel the reviewer just opened) and delay htmx's processing of the new forms.
// hx-sync: one request per screen; a key pressed twice while the first is on its way is dropped,
// not sent again with a version that is stale by then.
const swap = { 'hx-target': '#review-screen', 'hx-swap': 'outerHTML settle:0', 'hx-sync': '#review-screen:drop' }

/** The swappable review screen: the conversation, where it came from, the actions and the history. */
export function ReviewScreen(props: ReviewScreenProps) {
  const qs = queueParams(props.queue)
  const { item } = props
  return (
    <section id="review-screen" class="review-screen" data-conversation-id={item?.id ?? ''} data-version={item ? String(item.version) : ''}>
      <Messages notice={props.notice} error={props.error} />
      <div class="review-bar">
        <PreviousKey {...props} qs={qs} />
        <NavKey label="Next" keys={`${props.keys.next},j`} shown={props.keys.next} href={props.nextId && `/review/${props.nextId}${qs}`} prefetch />
        <form method="post" action={`/review/undo${qs}`} hx-post={`/review/undo${qs}`} {...swap} class="inline">
          {item && <input type="hidden" name="current" value={item.id} />}
          <button type="submit" data-hotkey={props.keys.undo}>
            Undo <kbd>{props.keys.undo}</kbd>
          </button>
        </form>
        <a href={`/review${qs}`}>Back to the queue</a>
        <Position position={props.position} />
        <details class="keys-help">
          <summary data-key="?">
            Keys <kbd>?</kbd>
          </summary>
          <KeysHelp keys={props.keys} />
        </details>
      </div>
      {item ? <Review {...props} item={item} qs={qs} /> : <EmptyQueue qs={qs} />}
    </section>
  )
}

/**
 * What a decision changes on a screen the browser already shows, having swapped in the next one as
 * the key was pressed (public/review.js): the notice, the way back and the position, each swapped
 * in by its id (out of band).
 */
export function ReviewScreenUpdates(props: ReviewScreenProps) {
  return (
    <>
      <Messages notice={props.notice} error={props.error} oob />
      <PreviousKey {...props} qs={queueParams(props.queue)} oob />
      <Position position={props.position} oob />
    </>
  )
}

/** hx-swap-oob on a part sent alone (ReviewScreenUpdates). */
const outOfBand = (oob?: boolean) => (oob ? { 'hx-swap-oob': 'true' } : {})

function Messages(props: { notice?: string; error?: string; oob?: boolean }) {
  return (
    <div id="review-messages" {...outOfBand(props.oob)}>
      <Notice message={props.notice} />
      <FormError message={props.error} />
    </div>
  )
}

function PreviousKey(props: ReviewScreenProps & { qs: string; oob?: boolean }) {
  return (
    <NavKey
      id="review-previous"
      label="Previous"
      keys={`${props.keys.previous},k`}
      shown={props.keys.previous}
      href={props.previousId && `/review/${props.previousId}${props.qs}`}
      oob={props.oob}
    />
  )
}

/** "12 of 100 pending" (or "10,000+ pending" past the count's cap, or just the count when this one is not pending). */
function Position(props: { position?: QueuePosition; oob?: boolean }) {
  if (!props.position) return <span id="queue-position" {...outOfBand(props.oob)} />
  const { position, total, more } = props.position
  const all = `${count(total)}${more ? '+' : ''}`
  return (
    <span id="queue-position" class="queue-position" role="status" {...outOfBand(props.oob)}>
      {position === null ? `${all} pending` : `${count(position)} of ${all} pending`}
    </span>
  )
}

function NavKey(props: { id?: string; label: string; keys: string; shown: string; href?: string; prefetch?: boolean; oob?: boolean }) {
  if (!props.href) {
    return (
      <button id={props.id} type="button" disabled data-hotkey={props.keys} {...outOfBand(props.oob)}>
        {props.label} <kbd>{props.shown}</kbd>
      </button>
    )
  }
  return (
    <a
      id={props.id}
      {...outOfBand(props.oob)}
      class="button"
      href={props.href}
      hx-get={props.href}
      hx-push-url="true"
      {...swap}
      data-hotkey={props.keys}
      data-prefetch={props.prefetch ? '' : undefined}
    >
      {props.label} <kbd>{props.shown}</kbd>
    </a>
  )
}

function EmptyQueue(props: { qs: string }) {
  return (
    <div class="card">
      <h1>Nothing left to review</h1>
      <p>No conversation is waiting for review with these filters (or the rest are being reviewed by someone else right now).</p>
      <p>
        <a href={`/review${props.qs}`}>Back to the queue</a>
      </p>
    </div>
  )
}

function Review(props: ReviewScreenProps & { item: ConversationDetail; qs: string }) {
  const { item, qs } = props
  const action = `/review/${item.id}${qs}`
  const pending = item.status === 'pending_review'
  // Both comment forms keep one draft per conversation; a restored one reopens the form it came from.
  const draftKey = `review-comment:${item.id}`
  const restored = props.draft?.restored
  const submitted = props.submitted ?? (restored && submittedDecision(restored))
  return (
    <>
      <header class="review-head">
        <h1 id="review-title">{item.title || 'Untitled conversation'}</h1>
        <p class="muted">
          <span class={`pill status-${item.status}`}>{STATUS_LABELS[item.status]}</span> · {item.tier} · quality {score(item.quality_score)} · revision{' '}
          {item.version} · {item.turn_count} turns · created {when(item.created_at)}
          {item.simulated && ' · simulated'}
        </p>
        {props.claimedBy && <p class="warning">{props.claimedBy} is reviewing this conversation right now.</p>}
      </header>
      {/* Shown, not merely fetched (prefetch) or linked to: hold it so others' "next" skips it. Posted, because a GET changes nothing. */}
      {pending && <form method="post" action={`/review/${item.id}/claim`} hx-post={`/review/${item.id}/claim`} hx-trigger="load" hx-swap="none" hidden />}
      {pending && <DraftOffer offer={props.draft?.offer} />}
      {pending ? (
        <ReviewActions conversation={item} action={action} reasons={props.reasons} keys={props.keys} htmx={swap} submitted={submitted} draftKey={draftKey} />
      ) : (
        <p class="muted">This conversation is {statusWords(item.status)}; only pending conversations can be reviewed.</p>
      )}
      <div class="review-grid">
        <Turns turns={item.turns} label="Conversation" />
        <aside class="source" aria-label="Where it came from">
          {item.chunk_context && <SourceChunk context={item.chunk_context} chunkId={item.parent_chunk_id} turns={item.turns} />}
          <h2>Where it came from</h2>
          <dl>
            <dt>Template</dt>
            <dd>{item.template_name ? `${item.template_name} (version ${item.template_version ?? '?'})` : '—'}</dd>
            {item.batch_name && (
              <>
                <dt>Batch</dt>
                <dd>{item.batch_name}</dd>
              </>
            )}
            <dt>Scenario</dt>
            <dd>
              {item.scenario_name ?? '—'}
              {item.scenario_context && <span class="muted"> — {item.scenario_context}</span>}
            </dd>
            {item.edge_case_name && (
              <>
                <dt>Edge case</dt>
                <dd>
                  {item.edge_case_name}
                  <span class="muted"> — {item.edge_case_description}</span>
                </dd>
              </>
            )}
            <dt>Persona · emotion · topic</dt>
            <dd>{[item.persona, item.emotion, item.topic].filter(Boolean).join(' · ') || '—'}</dd>
            <dt>Model</dt>
            <dd>{item.model ?? '—'}</dd>
          </dl>
          <h3>System prompt</h3>
          <pre class="prompt">{item.system_prompt || '—'}</pre>
          <h3>Prompt</h3>
          <pre class="prompt">{item.prompt || '—'}</pre>
          <h3>Parameters</h3>
          <KeyValues values={item.parameters} />
          <h3>Quality {score(item.quality_score)}</h3>
          {item.quality_parts ? <KeyValues values={item.quality_parts} /> : <p class="muted">Not scored.</p>}
        </aside>
      </div>
      <ReviewHistory history={props.history} reasons={props.reasons} />
    </>
  )
}

/** The source text beside the conversation, the sentences the assistant uses marked (text nodes only, escaped). */
function SourceChunk(props: { context: ChunkContext; chunkId: string | null; turns: Turn[] }) {
  const { context } = props
  const passages = highlightSource(
    context.text,
    props.turns.filter((t) => t.role === 'assistant').map((t) => t.content),
  )
  return (
    <section class="source-chunk" aria-label="Source chunk">
      <h2>Source chunk</h2>
      <p class="muted">
        {props.chunkId ? <a href={`/chunks/${props.chunkId}`}>{context.document_title}</a> : context.document_title}
        {context.heading_path.length > 0 && ` › ${context.heading_path.join(' › ')}`}
        {!props.chunkId && ' (the chunk is gone; this is the text it was generated from)'}
      </p>
      <p class="chunk-text">{passages.map((p) => (p.used ? <mark>{context.text.slice(p.start, p.end)}</mark> : context.text.slice(p.start, p.end)))}</p>
    </section>
  )
}

function KeyValues(props: { values: Record<string, unknown> }) {
  const entries = Object.entries(props.values)
  if (!entries.length) return <p class="muted">None.</p>
  return (
    <table class="table compact">
      <tbody>
        {entries.map(([key, value]) => (
          <tr>
            <th>{key}</th>
            <td>{typeof value === 'string' ? value : JSON.stringify(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** The keys as this reviewer has them (change them in Preferences). */
export function KeysHelp(props: { keys: Record<ShortcutAction, string> }) {
  const k = props.keys
  const keys: [string, string][] = [
    [k.approve, 'Approve'],
    [k.reject, 'Reject: opens the reasons; 1–9 toggle a reason, Enter rejects, Esc cancels'],
    [k.request_changes, 'Request changes: type what should change, Enter sends it back, Esc cancels'],
    [`${k.next} / j`, 'Next conversation'],
    [`${k.previous} / k`, 'Previous conversation'],
    [k.undo, 'Undo your last decision'],
    ['?', 'Show or hide these keys'],
  ]
  return (
    <table class="table compact keys">
      <tbody>
        {keys.map(([key, what]) => (
          <tr>
            <td>
              <kbd>{key}</kbd>
            </td>
            <td>{what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
