import { can } from '../../src/auth/roles'
import type { DocumentRow } from '../../src/documents/queries'
import type { PageContext } from '../../src/http/page-context'
import { formatBytes } from '../exports/describe'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { type ChunkList, DocumentBody } from './DocumentStatus'

export type RechunkValues = { max_tokens: string; overlap_tokens: string; by_headings: boolean }

/** One document: what it is, who brought it, its live status and chunks, and (for editors) re-chunk and delete. */
export function DocumentPage(props: {
  ctx: PageContext
  row: DocumentRow
  chunks: ChunkList
  rechunk?: { values: RechunkValues; error?: string; fields?: Record<string, string> }
  notice?: string
}) {
  const { ctx, row } = props
  const canEdit = ctx.user ? can(ctx.user.role, 'edit') : false
  const values = props.rechunk?.values ?? {
    max_tokens: String(row.chunk_options.max_tokens),
    overlap_tokens: String(row.chunk_options.overlap_tokens),
    by_headings: row.chunk_options.by_headings,
  }
  const fields = props.rechunk?.fields ?? {}
  return (
    <Layout ctx={ctx} title={row.title}>
      <p>
        <a href="/documents">← All documents</a>
      </p>
      <h1>{row.title}</h1>
      <Notice message={props.notice} />
      <table class="metadata">
        <tbody>
          <tr>
            <th>File</th>
            <td>{row.filename ?? 'pasted text'}</td>
          </tr>
          <tr>
            <th>Format</th>
            <td>
              {row.format}
              {row.encoding && ` (${row.encoding})`}
            </td>
          </tr>
          <tr>
            <th>Size</th>
            <td>{formatBytes(row.bytes)}</td>
          </tr>
          <tr>
            <th>sha256</th>
            <td>
              <code>{row.sha256}</code>
            </td>
          </tr>
          <tr>
            <th>Uploaded</th>
            <td>
              {when(row.created_at)} by {row.created_by_email ?? 'a removed user'}
            </td>
          </tr>
          <tr>
            <th>Chunking</th>
            <td>
              up to {row.chunk_options.max_tokens} tokens, {row.chunk_options.overlap_tokens} overlap,{' '}
              {row.chunk_options.by_headings ? 'by headings first' : 'by size only'}
            </td>
          </tr>
        </tbody>
      </table>
      <DocumentBody row={row} chunks={props.chunks} />
      {canEdit && (
        <>
          <h2>Re-chunk</h2>
          <form method="post" action={`/documents/${row.id}/rechunk`} class="card">
            {props.rechunk?.error && (
              <p class="form-error" role="alert">
                {props.rechunk.error}
              </p>
            )}
            <div class={fields.max_tokens ? 'field invalid' : 'field'}>
              <label for="f-max_tokens">Largest chunk (tokens)</label>
              <input id="f-max_tokens" name="max_tokens" type="number" min="32" max="8192" value={values.max_tokens} required />
              {fields.max_tokens && <p class="field-error">{fields.max_tokens}</p>}
            </div>
            <div class={fields.overlap_tokens ? 'field invalid' : 'field'}>
              <label for="f-overlap_tokens">Overlap (tokens)</label>
              <input id="f-overlap_tokens" name="overlap_tokens" type="number" min="0" max="4096" value={values.overlap_tokens} required />
              {fields.overlap_tokens && <p class="field-error">{fields.overlap_tokens}</p>}
            </div>
            <label class="check">
              <input type="checkbox" name="by_headings" value="true" checked={values.by_headings} /> Cut at headings first
            </label>
            <p class="muted">Re-chunking replaces this document's chunks; conversations made from the old ones keep their text.</p>
            <button type="submit" disabled={row.status === 'processing'}>
              Re-chunk
            </button>
          </form>
          <form method="post" action={`/documents/${row.id}/delete`} class="actions">
            <button type="submit">Delete document</button>
          </form>
        </>
      )}
    </Layout>
  )
}
