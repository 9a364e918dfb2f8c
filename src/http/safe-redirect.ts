/**
 * A redirect target that came from the request (`next`, `return_to`), reduced to a path on this site,
 * or undefined when it could lead anywhere else. Browsers drop tabs and newlines from URLs and read
 * `\` as `/`, so `/\t/evil.example` is followed as `//evil.example`: such characters are refused
 * outright, and what remains must resolve against our origin to our origin.
 */
export function sameOriginPath(target: unknown, origin: string): string | undefined {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//')) return undefined
  if (/[\u0000-\u001f\u007f\\]/.test(target)) return undefined
  let url: URL
  try {
    url = new URL(target, origin)
  } catch {
    return undefined
  }
  if (url.origin !== new URL(origin).origin) return undefined
  return url.pathname + url.search + url.hash
}
