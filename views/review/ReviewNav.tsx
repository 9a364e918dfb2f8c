import type { PageContext } from '../../src/http/page-context'
import { type NavItem, SubNav } from '../SubNav'

// Everyone signed in reads quality feedback; the queue is for reviewers.
const ITEMS: NavItem[] = [
  { href: '/review', label: 'Queue', needs: 'review' },
  { href: '/review/quality', label: 'Quality feedback' },
  { href: '/review/settings', label: 'Review settings', needs: 'admin' },
]

export function ReviewNav(props: { ctx: PageContext }) {
  return <SubNav ctx={props.ctx} label="Review" items={ITEMS} />
}
