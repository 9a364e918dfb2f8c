/**
 * `{{name}}` placeholders in template text: finding them, checking the braces balance, and filling
 * them in. One implementation for saving (validation), preview, generation and quality checks.
 */

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

/** Names used in the text, in order of first appearance, without repeats. */
export function findPlaceholders(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]!))]
}

/** A sentence describing the first brace problem (unbalanced or malformed `{{…}}`), or null. */
export function braceProblem(text: string): string | null {
  const stripped = text.replace(PLACEHOLDER, '')
  const open = stripped.indexOf('{{')
  if (open >= 0) return `"${stripped.slice(open, open + 20)}" opens a placeholder that is not closed or not a valid name`
  const close = stripped.indexOf('}}')
  if (close >= 0) return `"${stripped.slice(Math.max(0, close - 18), close + 2)}" closes a placeholder that was never opened`
  return null
}

/** True when text still contains a `{{placeholder}}` (e.g. model output that leaked one). */
export function hasPlaceholder(text: string): boolean {
  return findPlaceholders(text).length > 0 || /\{\{|\}\}/.test(text)
}

export type Filled = { text: string; missing: string[] }

/** Fills placeholders from values; names without a value are left as they are and listed in `missing`. */
export function fillPlaceholders(text: string, values: Record<string, unknown>): Filled {
  const missing = new Set<string>()
  const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name]
    if (value === undefined || value === null || value === '') {
      missing.add(name)
      return whole
    }
    return String(value)
  })
  return { text: filled, missing: [...missing] }
}
