import { type DimensionGroup, dimensionsIn } from '../../src/chunks/dimensions'
import type { ChunkListQuery, ChunkPage } from '../../src/chunks/queries'
import type { PageContext } from '../../src/http/page-context'
import { Layout } from '../Layout'
import { LiveForm } from '../LiveForm'
import { Notice } from '../Notice'
import { SearchBox } from '../SearchBox'
import { ChunkCards } from './ChunkCards'

export type ChunkBrowserView = {
  query: ChunkListQuery
  page: ChunkPage
  /** The filter as a query string (no cursor), for "more" links. */
  params: string
  documents: { id: string; title: string; chunk_count: number }[]
  /** Editors and admins may generate from chunks and analyse them. */
  canEdit: boolean
  notice?: string
}

/** The chunk browser: search and filters, chunk cards, the detail panel, and what to do with a selection. */
export function ChunksPage(props: { ctx: PageContext; view: ChunkBrowserView }) {
  const { view } = props
  return (
    <Layout ctx={props.ctx} title="Chunks">
      <link rel="stylesheet" href="/static/chunks.css" />
      <script src="/static/chunks.js" defer></script>
      <h1>Chunks</h1>
      <p class="muted">
        Find the source text to generate from. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens, <kbd>x</kbd> selects.
      </p>
      <FilterForm view={view} />
      <div class="chunk-browser">
        <Results view={view} />
        <aside id="chunk-detail" class="chunk-panel" aria-live="polite">
          <p class="muted">Open a chunk to read all of it and every dimension.</p>
        </aside>
      </div>
    </Layout>
  )
}

/** Everything a new search or filter changes: the htmx answer to the filter form is this region alone. */
export function Results(props: { view: ChunkBrowserView }) {
  const { view } = props
  const documentId = view.query.document_id
  return (
    <section id="results" class="chunk-results">
      <Notice message={view.notice} />
      {view.canEdit && (
        <form id="selection" method="get" action="/generate" class="selection">
          <button type="submit" class="primary" data-generate>
            Generate from selected chunks
          </button>
          <button type="submit" formmethod="post" formaction="/chunks/analyze">
            Analyze selected
          </button>
          {documentId && (
            <button type="submit" formmethod="post" formaction="/chunks/analyze" name="document_id" value={documentId}>
              Analyze this document
            </button>
          )}
        </form>
      )}
      {view.page.items.length === 0 ? (
        <p class="muted">No chunks match.</p>
      ) : (
        <ul id="chunk-list" class="chunk-cards">
          <ChunkCards page={view.page} params={view.params} selectable={view.canEdit} />
        </ul>
      )}
    </section>
  )
}

function DimensionSelect(props: { name: 'persona' | 'emotion' | 'topic'; group: DimensionGroup; value?: string; label: string }) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        <option value="">Any</option>
        {dimensionsIn(props.group).map((d) => (
          <option value={d.name} selected={props.value === d.name}>
            {d.name.replaceAll('_', ' ')}
          </option>
        ))}
      </select>
    </div>
  )
}

function FilterForm(props: { view: ChunkBrowserView }) {
  const { query, documents } = props.view
  const analyzed = query.analyzed === undefined ? '' : query.analyzed ? 'true' : 'false'
  // A plain GET form (works without JS); htmx swaps the results and pushes the URL.
  return (
    <>
      <SearchBox action="/chunks" value={query.q} placeholder="Words in the text or its headings" />
      <LiveForm action="/chunks" class="filters" id="filters" target="#results" trigger="submit, change">
        <div class="field">
          <label for="f-document">Document</label>
          <select id="f-document" name="document_id">
            <option value="">All documents</option>
            {documents.map((d) => (
              <option value={d.id} selected={query.document_id === d.id}>
                {d.title} ({d.chunk_count})
              </option>
            ))}
          </select>
        </div>
        <DimensionSelect name="persona" group="persona" value={query.persona} label="Persona" />
        <DimensionSelect name="emotion" group="emotion" value={query.emotion} label="Emotion" />
        <DimensionSelect name="topic" group="topic" value={query.topic} label="Topic" />
        <div class="field">
          <label for="f-cmin">Complexity from</label>
          <input id="f-cmin" type="number" name="complexity_min" min={1} max={10} value={query.complexity_min ?? ''} />
        </div>
        <div class="field">
          <label for="f-cmax">to</label>
          <input id="f-cmax" type="number" name="complexity_max" min={1} max={10} value={query.complexity_max ?? ''} />
        </div>
        <div class="field">
          <label for="f-analyzed">Analysed</label>
          <select id="f-analyzed" name="analyzed">
            <option value="">Either</option>
            <option value="true" selected={analyzed === 'true'}>
              Yes
            </option>
            <option value="false" selected={analyzed === 'false'}>
              No
            </option>
          </select>
        </div>
        <button type="submit">Filter</button>
      </LiveForm>
    </>
  )
}
