import type { PageContext } from '../../src/http/page-context'
import { type NavItem, SubNav } from '../SubNav'

const ITEMS: NavItem[] = [
  { href: '/settings/preferences', label: 'Preferences' },
  { href: '/settings/tokens', label: 'API tokens' },
  { href: '/settings/ai', label: 'AI settings' },
  { href: '/settings/users', label: 'Users', needs: 'admin' },
  { href: '/review/settings', label: 'Review settings', needs: 'admin' },
  { href: '/settings/retention', label: 'Retention', needs: 'admin' },
  { href: '/admin/audit', label: 'Audit trail', needs: 'admin' },
  { href: '/admin/health', label: 'Database health', needs: 'admin' },
  { href: '/admin/errors', label: 'Error log', needs: 'admin' },
]

export function SettingsNav(props: { ctx: PageContext }) {
  return <SubNav ctx={props.ctx} label="Settings" items={ITEMS} />
}
