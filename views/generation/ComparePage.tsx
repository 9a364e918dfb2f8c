import type { ConversationVersion } from '../../src/conversations/detail'
import type { PageContext } from '../../src/http/page-context'
import { Turns } from '../conversations/Turns'
import { score } from '../format'
import { Layout } from '../Layout'

/** Two versions of a conversation side by side. */
export function ComparePage(props: { ctx: PageContext; conversationId: string; a: ConversationVersion; b: ConversationVersion }) {
  const column = (v: ConversationVersion) => (
    <section class="card" data-version={String(v.version)}>
      <h2>
        Version {v.version} <small class="muted">{v.source}</small>
      </h2>
      <p class="muted">
        {v.title} · {v.model} · quality {score(v.quality_score === null ? null : Number(v.quality_score))}
      </p>
      <Turns turns={v.turns} />
    </section>
  )
  return (
    <Layout ctx={props.ctx} title="Compare versions">
      <p>
        <a href={`/conversations/${props.conversationId}/generation`}>Back to the conversation</a>
      </p>
      <h1>
        Version {props.a.version} and version {props.b.version}
      </h1>
      <div class="compare" style="display:grid;grid-template-columns:1fr 1fr;gap:1rem">
        {column(props.a)}
        {column(props.b)}
      </div>
    </Layout>
  )
}
