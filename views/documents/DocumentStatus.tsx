import type { ChunkPreview, DocumentRow, IngestProgress } from '../../src/documents/queries'
import { Pager } from '../Pager'

const PILL = { ready: 'pill good', failed: 'pill bad', processing: 'pill' } as const

export function DocumentStatusPill(props: { status: DocumentRow['status'] }) {
  return <span class={PILL[props.status]}>{props.status}</span>
}

const STEP: Record<IngestProgress['step'], string> = {
  queued: 'Waiting for a worker…',
  extracting: 'Reading the text out of the file…',
  chunking: 'Cutting the text into chunks…',
  saving: 'Saving the chunks…',
}

export type ChunkList = { items: ChunkPreview[]; next?: number }

/**
 * The document's state and its chunks, swapped in place: while processing it polls itself every
 * second (htmx) and shows what the ingest task is doing; once ready it lists the chunks in reading order.
 */
export function DocumentBody(props: { row: DocumentRow; chunks: ChunkList }) {
  const { row, chunks } = props
  const live = row.status === 'processing'
  return (
    <section
      id="document-body"
      aria-live="polite"
      hx-get={live ? `/documents/${row.id}/status` : undefined}
      hx-trigger={live ? 'every 1s' : undefined}
      hx-swap={live ? 'outerHTML' : undefined}
    >
      <div class="card">
        <p>
          Status: <DocumentStatusPill status={row.status} />
          {row.status === 'ready' && ` ${row.chunk_count.toLocaleString('en')} chunk${row.chunk_count === 1 ? '' : 's'}.`}
        </p>
        {live && (
          <p>
            <progress></progress> {STEP[row.progress?.step ?? 'queued']}
            {row.progress?.chunks !== undefined && ` (${row.progress.chunks.toLocaleString('en')} chunks)`}
          </p>
        )}
        {row.status === 'failed' && (
          <p class="form-error" role="alert">
            {row.error}
          </p>
        )}
      </div>
      {row.status === 'ready' && <ChunkTable documentId={row.id} chunks={chunks} />}
    </section>
  )
}

function ChunkTable(props: { documentId: string; chunks: ChunkList }) {
  const { documentId, chunks } = props
  return (
    <>
      <h2>Chunks</h2>
      <p>
        <a href={`/chunks?document_id=${documentId}`}>Browse these chunks</a>
      </p>
      <ol class="chunks" start={(chunks.items[0]?.ordinal ?? 0) + 1}>
        {chunks.items.map((chunk) => (
          <li id={`chunk-${chunk.ordinal}`}>
            <p>
              <a href={`/chunks?document_id=${documentId}`}>
                <strong>{chunk.heading_path.length ? chunk.heading_path.join(' › ') : '(no heading)'}</strong>
              </a>{' '}
              <span class="muted">{chunk.tokens} tokens</span>
            </p>
            <p class="preview">{chunk.preview.length >= 280 ? `${chunk.preview}…` : chunk.preview}</p>
          </li>
        ))}
      </ol>
      {chunks.next !== undefined && <Pager href={`/documents/${documentId}?from=${chunks.next}#chunk-${chunks.next}`}>Next chunks →</Pager>}
    </>
  )
}
