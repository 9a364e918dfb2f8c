import type { Child } from 'hono/jsx'
import { can } from '../../src/auth/roles'
import type { ConversationDetail, VersionEntry } from '../../src/conversations/detail'
import type { RejectionReason } from '../../src/db/schema'
import type { PageContext } from '../../src/http/page-context'
import type { SubmittedDecision } from '../../src/review/actions'
import type { ReviewHistoryEntry } from '../../src/review/queries'
import { FormError } from '../Field'
import { count, money, STATUS_LABELS, score, when } from '../format'
import { VersionsList } from '../generation/VersionsList'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { ReviewActions } from '../review/ReviewActions'
import { ReviewHistory } from '../review/ReviewHistory'
import { SourceSection } from './SourceSection'
import { Turns } from './Turns'

/** The detail page: turns with speakers, where it came from, what it cost, its review history and versions. */
export function ConversationPage(props: {
  ctx: PageContext
  conversation: ConversationDetail
  history: ReviewHistoryEntry[]
  /** The rejection reasons, to show the history's reason codes as labels. */
  reasons: RejectionReason[]
  versions: VersionEntry[]
  notice?: string
  error?: string
  /** A refused decision: its panel opens again with what was ticked and typed. */
  submitted?: SubmittedDecision
}) {
  const c = props.conversation
  const role = props.ctx.user!.role
  const editable = can(role, 'edit')
  const reviewable = can(role, 'review') && c.status === 'pending_review' && !c.deleted_at
  // Content versions (v1, v2 … in the table below, newest first) number the turns' states; with none recorded
  // the turns are the first. c.version is the row's change counter, shown as "revision".
  const contentVersion = props.versions[0]?.version ?? 1
  const changesAsked = c.status === 'needs_revision' ? props.history.find((h) => h.action === 'request_changes') : undefined
  return (
    <Layout ctx={props.ctx} title={c.title || 'Conversation'}>
      <p>
        <a href="/">← Conversations</a>
      </p>
      <h1>{c.title || 'Untitled conversation'}</h1>
      <p>
        <span class={`pill status-${c.status}`}>{STATUS_LABELS[c.status]}</span> {c.tier} · version {contentVersion}{' '}
        <small class="muted" title="Counts every change (edit, review, status); forms send it so a stale copy is refused">
          (revision {c.version})
        </small>
        {c.simulated && <span class="pill">simulated</span>}
      </p>
      <Notice message={props.notice} />
      <FormError message={props.error} />
      {reviewable && (
        <section aria-label="Review">
          <ReviewActions conversation={c} action={`/conversations/${c.id}/review`} reasons={props.reasons} submitted={props.submitted} />
        </section>
      )}
      {c.status === 'needs_revision' && (
        <section class="notice" aria-label="Changes requested">
          <p>
            A reviewer asked for changes{changesAsked?.comment ? `: “${changesAsked.comment}”` : '.'} Edit the turns or regenerate it; a regeneration goes back
            to review by itself.
          </p>
          {editable && (
            <form method="post" action={`/conversations/${c.id}/resubmit`} class="inline">
              <input type="hidden" name="version" value={String(c.version)} />
              <button type="submit" class="primary">
                Send back to review
              </button>
            </form>
          )}
        </section>
      )}
      <div class="conversation-detail">
        <section class="turns" aria-label="Turns">
          <h2>Turns</h2>
          {c.turns.length === 0 && (
            <p class="muted">
              No turns{c.status === 'failed' ? ': generation failed.' : c.status === 'cancelled' ? ': its batch was cancelled before it was generated.' : '.'}
            </p>
          )}
          <Turns
            turns={c.turns}
            edit={
              editable
                ? (turn, n) => (
                    <details>
                      <summary>Edit this turn</summary>
                      <form method="post" action={`/conversations/${c.id}/turns/${n}`}>
                        <input type="hidden" name="version" value={String(c.version)} />
                        <label for={`edit-${n}`}>Text</label>
                        <textarea id={`edit-${n}`} name="content" rows={5} required>
                          {turn.content}
                        </textarea>
                        <button type="submit" class="primary">
                          Save as a new version
                        </button>
                      </form>
                    </details>
                  )
                : undefined
            }
          />
        </section>
        <aside class="metadata" aria-label="Details">
          <h2>Details</h2>
          <table class="table details-table">
            <tbody>
              <Row label="Template">
                {c.template_id ? <a href={`/templates/${c.template_id}`}>{c.template_name ?? 'template'}</a> : '—'}
                {c.template_version !== null && ` (version ${c.template_version})`}
              </Row>
              <Row label="Scenario">{c.scenario_name ?? '—'}</Row>
              <Row label="Edge case">{c.edge_case_name ?? '—'}</Row>
              <Row label="Batch">{c.batch_id ? <a href={`/batches/${c.batch_id}`}>{c.batch_name ?? 'batch'}</a> : '—'}</Row>
              <Row label="Persona">{c.persona || '—'}</Row>
              <Row label="Emotion">{c.emotion || '—'}</Row>
              <Row label="Topic">{c.topic || '—'}</Row>
              <Row label="Model">{c.model ?? '—'}</Row>
              <Row label="Tokens">
                {count(c.input_tokens)} in · {count(c.output_tokens)} out
                {(c.cache_read_tokens > 0 || c.cache_write_tokens > 0) && (
                  <span class="muted">
                    {' '}
                    · {count(c.cache_read_tokens)} cache read · {count(c.cache_write_tokens)} cache write
                  </span>
                )}
              </Row>
              <Row label="Cost">{money(c.cost_usd)}</Row>
              <Row label="Generation time">
                {c.generation_ms === null ? '—' : `${(c.generation_ms / 1000).toFixed(1)} s`} ({c.attempts} {c.attempts === 1 ? 'attempt' : 'attempts'})
              </Row>
              <Row label="Quality">
                <strong>{score(c.quality_score)}</strong>
                {c.quality_parts && (
                  <ul class="quality-parts">
                    {Object.entries(c.quality_parts).map(([part, value]) => (
                      <li>
                        {part.replace(/_/g, ' ')} <span class="num">{Number(value).toFixed(2)}</span>
                      </li>
                    ))}
                  </ul>
                )}
              </Row>
              {(c.error_code || c.error_message) && (
                <Row label="Error">
                  <span class="form-error">
                    <code>{c.error_code}</code> {c.error_message}
                  </span>
                </Row>
              )}
              <Row label="Created">{when(c.created_at)}</Row>
              <Row label="Updated">{when(c.updated_at)}</Row>
              <Row label="Reviewed">{when(c.reviewed_at)}</Row>
            </tbody>
          </table>
          <SourceSection conversationId={c.id} parentChunkId={c.parent_chunk_id} context={c.chunk_context} canLink={editable} />
          <h3>Parameters</h3>
          {Object.keys(c.parameters).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <table class="table details-table parameters">
              <tbody>
                {Object.entries(c.parameters).map(([name, value]) => (
                  <Row label={name}>{typeof value === 'string' ? value : JSON.stringify(value)}</Row>
                ))}
              </tbody>
            </table>
          )}
          {c.prompt && (
            <details>
              <summary>Prompt</summary>
              <pre class="prompt">{c.system_prompt}</pre>
              <pre class="prompt">{c.prompt}</pre>
            </details>
          )}
          <p>
            <a href={`/conversations/${c.id}/generation`}>Generation, versions and compare →</a>
          </p>
          {editable && (
            <form method="post" action={`/conversations/${c.id}/regenerate`} class="inline">
              <input type="hidden" name="conversation_version" value={String(c.version)} />
              <button type="submit">Regenerate</button>
            </form>
          )}
          {editable && (
            <form method="post" action={`/conversations/${c.id}/delete`} hx-post={`/conversations/${c.id}/delete`} class="inline">
              <input type="hidden" name="version" value={String(c.version)} />
              <button type="submit">Delete (to trash)</button>
            </form>
          )}
        </aside>
      </div>
      <ReviewHistory history={props.history} reasons={props.reasons} />
      <VersionsList conversationId={c.id} versions={props.versions} conversationVersion={c.version} canEdit={editable} />
    </Layout>
  )
}

/** One row of the details table: a label and its value. */
function Row(props: { label: string; children?: Child }) {
  return (
    <tr>
      <th scope="row">{props.label}</th>
      <td>{props.children}</td>
    </tr>
  )
}
