import type { ConversationDetail, VersionEntry } from '../../src/conversations/detail'
import type { GenerationAttempt } from '../../src/generation/attempts'
import type { PageContext } from '../../src/http/page-context'
import { Turns } from '../conversations/Turns'
import { Layout } from '../Layout'
import { AttemptsHistory } from './AttemptsHistory'
import { GenerationStatus } from './GenerationStatus'
import { RegenerateForm } from './RegenerateForm'
import { VersionsList } from './VersionsList'

/** A conversation as generation sees it: status, turns, numbers, every attempt, versions, regenerate. */
export function ConversationPage(props: {
  ctx: PageContext
  conversation: ConversationDetail
  versions: VersionEntry[]
  attempts: GenerationAttempt[]
  canEdit: boolean
}) {
  const c = props.conversation
  const running = c.status === 'queued' || c.status === 'generating'
  return (
    <Layout ctx={props.ctx} title={c.title || 'Conversation'}>
      {running && (
        <noscript>
          <meta http-equiv="refresh" content="2" />
        </noscript>
      )}
      <p>
        {c.batch_id && <a href={`/batches/${c.batch_id}`}>Back to the batch</a>} <a href={`/conversations/${c.id}`}>Conversation details and review</a>
      </p>
      <h1>{c.title || (running ? 'Generating…' : 'Untitled conversation')}</h1>
      <p class="muted">
        {c.tier} {[c.persona, c.emotion, c.topic].filter(Boolean).join(' · ')}
      </p>
      <GenerationStatus conversation={c} canEdit={props.canEdit} />
      {c.turns.length > 0 && <Turns turns={c.turns} />}
      {props.canEdit && !running && c.status !== 'cancelled' && <RegenerateForm conversation={c} />}
      <AttemptsHistory attempts={props.attempts} retryCount={c.retry_count} />
      <VersionsList conversationId={c.id} versions={props.versions} conversationVersion={c.version} canEdit={props.canEdit} />
    </Layout>
  )
}
