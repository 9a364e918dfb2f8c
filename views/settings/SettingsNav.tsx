import type { PageContext } from '../../src/http/page-context'
import { type NavItem, SubNav } from '../SubNav'

const ITEMS: NavItem[] = [
  { href: '/settings/tokens', label: 'API tokens' },
  { href: '/settings/ai', label: 'AI settings' },
  { href: '/settings/users', label: 'Users', needs: 'admin' },
  { href: '/review/settings', label: 'Review settings', needs: 'admin' },
]

export function SettingsNav(props: { ctx: PageContext }) {
  return <SubNav ctx={props.ctx} label="Settings" items={ITEMS} />
}
