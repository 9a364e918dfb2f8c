import type { BackupItem } from '../../src/backups/queries'
import type { PageContext } from '../../src/http/page-context'
import { when } from '../format'
import { Layout } from '../Layout'
import { Notice } from '../Notice'
import { REASON_LABELS, rowsWord } from './labels'

/** One backup: what it holds and, once restored, what the restore put back and what it skipped (with links). */
export function BackupPage(props: { ctx: PageContext; backup: BackupItem; notice?: string }) {
  const { backup } = props
  const result = backup.restore_result
  const link = (id: string) => (backup.reason === 'template_delete' ? `/templates/${id}` : `/conversations/${id}`)
  return (
    <Layout ctx={props.ctx} title="Backup">
      <p>
        <a href="/backups">← Backups</a>
      </p>
      <h1>
        {REASON_LABELS[backup.reason]}: {rowsWord(backup.count)}
      </h1>
      <Notice message={props.notice} />
      <p>{backup.description}.</p>
      <p class="muted">
        Taken {when(backup.created_at)} by {backup.created_by_email ?? (backup.created_by ? 'a deleted user' : 'the system')};{' '}
        {backup.expired ? 'expired' : 'kept until'} {when(backup.expires_at)}.
      </p>
      {result ? (
        <section aria-labelledby="result">
          <h2 id="result">Restored {when(backup.restored_at)}</h2>
          <p>
            Restored {rowsWord(result.restored)}; skipped {rowsWord(result.skipped.length)}
            {result.skipped.length > 0 && ' changed since the backup (left as they are):'}
          </p>
          {result.skipped.length > 0 && (
            <ul class="skipped">
              {result.skipped.map((id) => (
                <li>
                  <a href={link(id)}>{id}</a>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : backup.expired ? (
        <p>This backup has expired; its file was deleted.</p>
      ) : (
        <form method="post" action={`/backups/${backup.id}/restore`}>
          <button type="submit" class="primary">
            Restore…
          </button>
        </form>
      )}
    </Layout>
  )
}
