import { can } from '../../src/auth/roles'
import type { PageContext } from '../../src/http/page-context'

export function SettingsNav(props: { ctx: PageContext }) {
  const items = [
    { href: '/settings/preferences', label: 'Preferences' },
    { href: '/settings/tokens', label: 'API tokens' },
    { href: '/settings/ai', label: 'AI settings' },
  ]
  if (props.ctx.user && can(props.ctx.user.role, 'admin')) items.push({ href: '/settings/users', label: 'Users' }, { href: '/admin/audit', label: 'Audit trail' }, { href: '/admin/health', label: 'Database health' })
  return (
    <nav class="subnav" aria-label="Settings">
      {items.map((item) => (
        <a href={item.href} aria-current={props.ctx.path === item.href ? 'page' : undefined}>
          {item.label}
        </a>
      ))}
    </nav>
  )
}
