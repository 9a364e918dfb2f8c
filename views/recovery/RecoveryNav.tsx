import type { PageContext } from '../../src/http/page-context'
import { SubNav } from '../SubNav'

/** Recovery and Backups are one area in the main navigation ("Recovery"); this moves between them. */
export function RecoveryNav(props: { ctx: PageContext }) {
  return (
    <SubNav
      ctx={props.ctx}
      label="Recovery"
      items={[
        { href: '/recovery', label: 'What failed' },
        { href: '/backups', label: 'Backups', current: props.ctx.path.startsWith('/backups') },
      ]}
    />
  )
}
