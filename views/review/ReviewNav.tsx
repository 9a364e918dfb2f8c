import type { PageContext } from '../../src/http/page-context'
import { can } from '../../src/auth/roles'

export function ReviewNav(props: { ctx: PageContext }) {
  const role = props.ctx.user?.role
  // Everyone signed in reads quality feedback; the queue is for reviewers.
  const items = [
    ...(role && can(role, 'review') ? [{ href: '/review', label: 'Queue' }] : []),
    { href: '/review/quality', label: 'Quality feedback' },
  ]
  if (role && can(role, 'admin')) items.push({ href: '/review/settings', label: 'Review settings' })
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
