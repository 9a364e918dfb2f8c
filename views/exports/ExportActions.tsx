import type { ExportListItem } from '../../src/exports/queries'

/** What can be done with an export, on its page and in the history: download (in the history), run again, delete. */
export function ExportActions(props: { row: ExportListItem; rerunLabel: string; download?: boolean }) {
  const { row } = props
  return (
    <div class="actions" style="display: flex; gap: .5rem; align-items: center; margin-top: 1rem">
      {props.download && row.status === 'done' && !row.deleted_at && <a href={`/exports/${row.id}/download`}>Download</a>}
      <form method="post" action={`/exports/${row.id}/rerun`} class="inline">
        <button type="submit">{props.rerunLabel}</button>
      </form>
      {!row.deleted_at && (
        <form method="post" action={`/exports/${row.id}/delete`} hx-post={`/exports/${row.id}/delete`} class="inline">
          <button type="submit">Delete</button>
        </form>
      )}
    </div>
  )
}
