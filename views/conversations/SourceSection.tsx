import type { ChunkContext } from '../../src/db/schema'
import { RelinkForm } from './RelinkForm'

/**
 * The conversation's source: the chunk and document it was grounded in, with the heading path.
 * An orphan (the chunk was deleted or re-chunked away) says so, shows the text it kept, and offers
 * re-linking; a conversation with no source says that, and editors may link one.
 */
export function SourceSection(props: { conversationId: string; parentChunkId: string | null; context: ChunkContext | null; canLink: boolean }) {
  const { context, parentChunkId } = props
  return (
    <section id="source" aria-label="Source">
      <h3>Source</h3>
      {!context ? (
        <>
          <p class="muted">Not grounded in a document.</p>
          {props.canLink && <RelinkForm conversationId={props.conversationId} back="conversation" />}
        </>
      ) : (
        <>
          <p>
            <a href={`/documents/${context.document_id}`}>{context.document_title}</a>
            {context.heading_path.length > 0 && <span class="heading-path"> › {context.heading_path.join(' › ')}</span>}
          </p>
          {parentChunkId ? (
            <p>
              <a href={`/chunks/${parentChunkId}`}>Open the chunk →</a>
            </p>
          ) : (
            <p class="warning">The chunk it was generated from is gone (deleted or re-chunked). The text it used is kept below.</p>
          )}
          <details open={!parentChunkId}>
            <summary>Source text</summary>
            <pre class="prompt chunk-context">{context.text}</pre>
          </details>
          {props.canLink && !parentChunkId && <RelinkForm conversationId={props.conversationId} documentId={context.document_id} back="conversation" />}
          {props.canLink && (
            <form method="post" action={`/conversations/${props.conversationId}/unlink-chunk`} class="inline">
              <button type="submit">Remove the source</button>
            </form>
          )}
        </>
      )}
    </section>
  )
}
