import { readFileSync } from 'node:fs'
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk'
import { expect, test } from 'vitest'
import { classifyClaudeError } from '../src/claude/client'
import * as documentErrors from '../src/documents/errors'
import { ERROR_AREAS, ERROR_CODES, isErrorCode, SEVERITIES } from '../src/error-codes'
import * as errors from '../src/errors'

/**
 * The one documented list of error codes: every code the app can answer with, store on a
 * conversation or write to the error log is in it, and the README's table lists each one as it is.
 * (The stored codes are typed `ErrorCode`; error-log.test.ts checks what a real run stored.)
 */

test('the list holds at least 25 codes, each with an area, a severity and two sentences', () => {
  const entries = Object.entries(ERROR_CODES)
  expect(entries.length).toBeGreaterThanOrEqual(25)
  for (const [code, info] of entries) {
    expect(code).toMatch(/^[a-z][a-z_]*$/)
    expect(ERROR_AREAS).toContain(info.area)
    expect(SEVERITIES).toContain(info.severity)
    expect(info.title).toMatch(/^[A-Z].*\.$/)
    expect(info.action).toMatch(/^[A-Z].*\.$/)
  }
})

test('every failure of a Claude call is classified under a listed code', () => {
  const statuses = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 529]
  const failures = [
    ...statuses.map((status) => APIError.generate(status, { type: 'error', error: { type: 'x', message: 'x' } }, 'x', new Headers())),
    new APIConnectionError({ message: 'down' }),
    new APIConnectionTimeoutError(),
    new APIUserAbortError(),
    new Error('anything else'),
  ]
  const codes = failures.map((err) => classifyClaudeError(err).code)
  for (const code of codes) expect(isErrorCode(code), code).toBe(true)
  // Claude's 400 is its own code, never the HTTP bad_request.
  expect(codes[0]).toBe('claude_bad_request')
})

test('every error kind the app throws answers with a listed code', () => {
  const kinds = [...Object.values(errors), ...Object.values(documentErrors)].filter(
    (value) => typeof value === 'function' && value.prototype instanceof errors.AppError,
  ) as Array<new (message: string) => errors.AppError>
  expect(kinds.length).toBeGreaterThan(8)
  for (const Kind of kinds) {
    const err = Kind.name === 'TooManyRequests' ? new errors.TooManyRequests('x', 1) : new Kind('x')
    expect(isErrorCode(err.code), `${Kind.name}: ${err.code}`).toBe(true)
  }
})

/** The README's table of error codes: its rows as [code, area, severity, what happened, what to do]. */
function readmeCodes(): string[][] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf('### Error codes')
  const section = readme.slice(start, readme.indexOf('\n## ', start))
  return section
    .split('\n')
    .filter((line) => /^\| `[a-z_]+` /.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim().replace(/^`|`$/g, '')),
    )
}

test('the README lists every code with its area, severity, meaning and what to do, and nothing else', () => {
  const rows = readmeCodes()
  expect(rows.map((row) => row[0]).sort()).toEqual(Object.keys(ERROR_CODES).sort())
  for (const [code, area, severity, title, action] of rows) {
    const info = ERROR_CODES[code as keyof typeof ERROR_CODES]
    expect({ code, area, severity, title, action }).toEqual({ code, area: info.area, severity: info.severity, title: info.title, action: info.action })
  }
})
