import type { Context, MiddlewareHandler } from 'hono'
import { AppError, BadRequest, ValidationFailed } from '../errors'
import type { AppEnv } from './env'

/**
 * Postgres text cannot hold a NUL character, so any input carrying one would fail deep inside a
 * query. Every input passes here first (path, query string, JSON, form and multipart fields), so
 * such a request is a 400 naming the field before any route sees it.
 */
export const refuseUnstorableText: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.path.includes('\u0000')) throw unstorable('path')
  for (const [key, value] of new URL(c.req.url).searchParams) {
    if (key.includes('\u0000') || value.includes('\u0000')) throw unstorable(key)
  }
  const field = await nulFieldInBody(c)
  if (field !== undefined) throw unstorable(field)
  await next()
}

function unstorable(field: string): ValidationFailed {
  const name = field.replaceAll('\u0000', '\\u0000')
  return new ValidationFailed(`The field "${name}" contains a NUL character (\\u0000), which cannot be stored.`, {
    [name]: 'must not contain a NUL character',
  })
}

/** The first field of the body holding a NUL, as a dotted path; bodies are cached, so routes read them again for free. */
async function nulFieldInBody(c: Context<AppEnv>): Promise<string | undefined> {
  const type = (c.req.header('content-type') ?? '').toLowerCase()
  if (type.startsWith('application/json')) {
    let body: unknown
    try {
      body = JSON.parse(await c.req.text())
    } catch (err) {
      if (err instanceof AppError) throw err
      return undefined // not JSON: the route answers that with its own 400
    }
    return nulPath(body)
  }
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    let form: FormData
    try {
      form = await c.req.formData()
    } catch (err) {
      if (err instanceof AppError) throw err
      throw new BadRequest('The form body could not be read: it is not well-formed form data.')
    }
    for (const [key, value] of form) {
      // Uploaded files are bytes, not text: only text fields are checked.
      if (key.includes('\u0000') || (typeof value === 'string' && value.includes('\u0000'))) return key
    }
  }
  return undefined
}

/** Walks without recursion: a deeply nested body must not overflow the stack. */
function nulPath(body: unknown): string | undefined {
  const pending: [unknown, string[]][] = [[body, []]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next
    if (typeof value === 'string' && value.includes('\u0000')) return path.join('.') || 'body'
    if (typeof value !== 'object' || value === null) continue
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...path, key].join('.')
      pending.push([item, [...path, key]])
    }
  }
  return undefined
}
