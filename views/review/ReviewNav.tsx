import type { PageContext } from '../../src/http/page-context'
import { can } from '../../src/auth/roles'

export function ReviewNav(props: { ctx: PageContext }) {
  const items = [
    { href: '/review', label: 'Queue' },
    { href: '/review/quality', label: 'Quality feedback' },
  ]
  if (props.ctx.user && can(props.ctx.user.role, 'admin')) items.push({ href: '/review/settings', label: 'Review settings' })
  return (
    <nav class="subnav" aria-label="Review">
      {items.map((item) => (
        <a href={item.href} aria-current={props.ctx.path === item.href ? 'page' : undefined}>
          {item.label}
        </a>
      ))}
    </nav>
  )
}
