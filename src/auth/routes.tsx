import { type Context, Hono } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { z } from 'zod'
import { LoginPage } from '../../views/auth/LoginPage'
import { SetupPage } from '../../views/auth/SetupPage'
import { clientIp } from '../http/client-info'
import type { AppEnv } from '../http/env'
import { rerenderOnError } from '../http/errors'
import { pageContext } from '../http/page-context'
import { single } from '../http/params'
import { parseBody, readBody, wantsJson } from '../http/respond'
import { sameOriginPath } from '../http/safe-redirect'
import { authenticatePassword } from './login'
import { requestOrigin, requestProtocol, SESSION_COOKIE } from './middleware'
import { createSession, deleteSession, type SessionUser } from './sessions'
import { countUsers, insertFirstAdmin } from './users'

const LoginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(320),
  password: z.string().min(1, 'Enter your password').max(1000),
})

const SetupForm = z.object({
  name: z.string().trim().max(200).default(''),
  email: z.email('Enter a valid email address').max(320),
  password: z.string().min(8, 'Use at least 8 characters').max(1000),
})

// Once a database has a user it never again has none (users are disabled, not deleted).
const hasUsers = new WeakSet<object>()
export async function setupNeeded(c: Context<AppEnv>): Promise<boolean> {
  if (!hasUsers.has(c.var.db) && (await countUsers(c.var.db)) > 0) hasUsers.add(c.var.db)
  return !hasUsers.has(c.var.db)
}

async function startSession(c: Context<AppEnv>, user: SessionUser): Promise<void> {
  const { db, config } = c.var
  const secret = await createSession(db, user.id, config.sessionTtlMs, { ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null })
  setCookie(c, SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: requestProtocol(c) === 'https:',
    path: '/',
    maxAge: Math.floor(config.sessionTtlMs / 1000),
  })
}

export const authRoutes = new Hono<AppEnv>()

authRoutes.get('/login', async (c) => {
  if (await setupNeeded(c)) return c.redirect('/setup', 303)
  if (c.var.user) return c.redirect('/', 303)
  return c.html(<LoginPage ctx={pageContext(c)} next={sameOriginPath(c.req.query('next'), requestOrigin(c))} />)
})

authRoutes.post('/login', async (c) => {
  const body = await readBody(c)
  const email = single(body.email)
  const next = sameOriginPath(body.next, requestOrigin(c))
  // Any refusal of the attempt (bad fields, wrong password, disabled, too many tries) shows the form again.
  rerenderOnError(
    c,
    (problem) => (
      <LoginPage
        ctx={pageContext(c)}
        email={typeof email === 'string' ? email : ''}
        next={next}
        fields={problem.fields}
        error={problem.fields ? undefined : problem.error}
      />
    ),
    (err) => err.status < 500,
  )
  const user = await authenticatePassword(c.var.db, { ...(await parseBody(c, LoginForm)), ip: clientIp(c) })
  await startSession(c, user)
  c.var.log.info({ userId: user.id }, 'signed in')
  if (wantsJson(c)) return c.json({ id: user.id, email: user.email, role: user.role })
  return c.redirect(next ?? '/', 303)
})

authRoutes.post('/logout', async (c) => {
  const secret = getCookie(c, SESSION_COOKIE)
  if (secret) await deleteSession(c.var.db, secret)
  deleteCookie(c, SESSION_COOKIE, { path: '/' })
  return wantsJson(c) ? c.body(null, 204) : c.redirect('/login', 303)
})

authRoutes.get('/setup', async (c) => {
  if (!(await setupNeeded(c))) return c.redirect('/login', 303)
  return c.html(<SetupPage ctx={pageContext(c)} />)
})

authRoutes.post('/setup', async (c) => {
  if (!(await setupNeeded(c))) return c.redirect('/login', 303)
  const body = await readBody(c)
  const text = (value: unknown) => String(single(value) ?? '')
  rerenderOnError(c, (problem) => <SetupPage ctx={pageContext(c)} values={{ email: text(body.email), name: text(body.name) }} fields={problem.fields} />)
  const admin = await insertFirstAdmin(c.var.db, await parseBody(c, SetupForm))
  if (!admin) return c.redirect('/login', 303)
  c.var.log.info({ userId: admin.id }, 'first administrator created through the setup page')
  await startSession(c, admin)
  return c.redirect('/', 303)
})
