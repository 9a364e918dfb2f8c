import type { ChunkPage } from '../../src/chunks/queries'
import { LoadMore } from '../Pager'

/**
 * One page of chunk cards and the "load more" item that fetches the next page in its place. Each
 * card's checkbox (for editors) belongs to the selection form by its form attribute, wherever the card is.
 */
export function ChunkCards(props: { page: ChunkPage; params: string; selectable: boolean }) {
  const { page, params, selectable } = props
  const next = page.next_cursor ? `${params ? `${params}&` : ''}cursor=${encodeURIComponent(page.next_cursor)}` : undefined
  return (
    <>
      {page.items.map((chunk) => (
        <li class="chunk-card" id={`chunk-${chunk.id}`} data-chunk-card data-id={chunk.id} tabindex={-1}>
          {selectable && (
            <label class="select">
              <input
                type="checkbox"
                name="chunk_ids"
                value={chunk.id}
                form="selection"
                aria-label={`Select chunk ${chunk.ordinal + 1} of ${chunk.document_title}`}
              />
            </label>
          )}
          <div class="body">
            <p class="where">
              <span class="document">{chunk.document_title}</span>
              {chunk.heading_path.length > 0 && <span class="heading-path"> › {chunk.heading_path.join(' › ')}</span>}
              <span class="muted">
                {' '}
                · #{chunk.ordinal + 1} · {chunk.tokens} tokens
              </span>
            </p>
            <a class="open" href={`/chunks/${chunk.id}`} hx-get={`/chunks/${chunk.id}`} hx-target="#chunk-detail" hx-swap="innerHTML" data-open>
              {chunk.excerpt}
              {chunk.excerpt.length >= 200 ? '…' : ''}
            </a>
            <p class="dimensions">
              {chunk.complexity === null ? (
                <span class="muted">Not analysed</span>
              ) : (
                <span class="complexity" title="Complexity from 1 to 10">
                  Complexity {chunk.complexity}
                </span>
              )}
              {chunk.top_dimensions.map((d) => (
                <span class={`dimension ${d.group}`} title={`${d.group}, confidence ${d.confidence}`}>
                  {d.name.replaceAll('_', ' ')}
                </span>
              ))}
            </p>
          </div>
        </li>
      ))}
      {next && (
        <LoadMore href={`/chunks?${next}`} get={`/chunks/cards?${next}`}>
          More chunks
        </LoadMore>
      )}
    </>
  )
}
