import type { Context } from 'hono'
import type { z } from 'zod'
import { ValidationFailed } from '../errors'

/** JSON for API routes and clients that ask for it; HTML for everyone else. */
export function wantsJson(c: Context): boolean {
  if (c.req.path.startsWith('/api/')) return true
  const accept = c.req.header('accept') ?? ''
  const type = c.req.header('content-type') ?? ''
  return accept.includes('application/json') || type.startsWith('application/json')
}

/**
 * An htmx request that wants a fragment: boosted navigation wants the whole page, and so does
 * htmx 4's history restore (back button), which it marks HX-Request-Type: full.
 */
export function isHtmx(c: Context): boolean {
  return c.req.header('hx-request') === 'true' && c.req.header('hx-boosted') !== 'true' && c.req.header('hx-request-type') !== 'full'
}

/** Field name → first message, for re-rendering a form beside its inputs. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const issue of error.issues) {
    const key = issue.path.join('.') || 'form'
    fields[key] ??= issue.message
  }
  return fields
}

/** Reads a form or JSON body (whichever was sent) as a plain object. */
export async function readBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? ''
  if (type.startsWith('application/json')) {
    const body: unknown = await c.req.json().catch(() => {
      throw new ValidationFailed('The request body is not valid JSON.', { body: 'not valid JSON' })
    })
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationFailed('The request body must be a JSON object.', { body: 'must be an object' })
    }
    return body as Record<string, unknown>
  }
  if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
    return (await c.req.parseBody({ all: true })) as Record<string, unknown>
  }
  return {}
}

/** Parses the body with a schema, throwing a 400 with a sentence per field on failure. */
export async function parseBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  return parseInput(schema, await readBody(c))
}

/** The same check for input already read (a form mapped to its JSON request): a 400 with a sentence per field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input)
  if (!result.success) throw invalid(result.error)
  return result.data
}

export function invalid(error: z.ZodError): ValidationFailed {
  const fields = fieldErrors(error)
  const summary = Object.entries(fields)
    .map(([field, message]) => `${field}: ${message}`)
    .join('; ')
  return new ValidationFailed(`Some fields are not valid (${summary}).`, fields)
}
