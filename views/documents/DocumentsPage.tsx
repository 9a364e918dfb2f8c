import { can } from '../../src/auth/roles'
import { SUPPORTED_FORMATS_SENTENCE, UPLOAD_ACCEPT } from '../../src/documents/detect'
import type { DocumentPage } from '../../src/documents/queries'
import type { PageContext } from '../../src/http/page-context'
import { formatBytes } from '../exports/describe'
import { Layout } from '../Layout'
import { LiveSearch } from '../LiveForm'
import { Notice } from '../Notice'
import { DocumentRows } from './DocumentRows'

export type UploadOutcome = { notice?: string; errors?: string[] }

/**
 * Every document, newest first, with search; editors get the upload form. The form is a plain
 * multipart post (works without JavaScript); public/documents.js adds drag and drop and sends
 * each file on its own with a progress bar.
 */
export function DocumentsPage(props: { ctx: PageContext; page: DocumentPage; q?: string; maxUploadBytes: number; outcome?: UploadOutcome }) {
  const { ctx, page, q, outcome } = props
  const canEdit = ctx.user ? can(ctx.user.role, 'edit') : false
  return (
    <Layout ctx={ctx} title="Documents">
      <h1>Documents</h1>
      <p class="muted">Source text that conversations can be grounded in: each document is cut into chunks you can browse and generate from.</p>
      <Notice message={outcome?.notice} />
      {outcome?.errors?.length ? (
        <ul class="form-error" role="alert">
          {outcome.errors.map((e) => (
            <li>{e}</li>
          ))}
        </ul>
      ) : null}
      {canEdit && (
        <form
          method="post"
          action="/documents"
          enctype="multipart/form-data"
          class="card upload"
          id="upload-form"
          data-max-bytes={String(props.maxUploadBytes)}
        >
          <div class="field drop-zone">
            <label for="f-file">Upload documents</label>
            <input id="f-file" type="file" name="file" multiple required accept={UPLOAD_ACCEPT} />
            <p class="muted">
              {SUPPORTED_FORMATS_SENTENCE}, up to {formatBytes(props.maxUploadBytes)} each. Choose several files at once, or drop them here.
            </p>
          </div>
          <ul id="upload-list" class="uploads" aria-live="polite"></ul>
          <button type="submit" class="primary">
            Upload
          </button>
        </form>
      )}
      <LiveSearch action="/documents" class="search" target="#document-rows">
        <label for="f-q">Search titles and file names</label>
        <input id="f-q" type="search" name="q" value={q ?? ''} />
        <button type="submit">Search</button>
      </LiveSearch>
      <DocumentRows items={page.items} next={page.next_cursor} q={q} />
      <script src="/static/documents.js" defer></script>
    </Layout>
  )
}
