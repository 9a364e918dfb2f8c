import type { ChunkDetail as Chunk } from '../../src/chunks/queries'
import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { ChunkDetail } from './ChunkDetail'

/** /chunks/:id without JavaScript (or opened in its own tab): the detail panel as a page. */
export function ChunkPage(props: { ctx: PageContext; chunk: Chunk }) {
  return (
    <Layout ctx={props.ctx} title={`Chunk #${props.chunk.ordinal + 1} of ${props.chunk.document_title}`}>
      <link rel="stylesheet" href="/static/chunks.css" />
      <p>
        <a href="/chunks">← Chunks</a>
      </p>
      <ChunkDetail chunk={props.chunk} />
    </Layout>
  )
}
