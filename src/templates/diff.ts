/** A line diff by longest common subsequence: small, exact, for comparing two template versions. */

export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string }

export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n')
  const b = after.split('\n')
  // lcs[i][j] = length of the longest common subsequence of a[i..] and b[j..]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
    }
  }
  const out: DiffLine[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i]! })
      i++
      j++
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      out.push({ kind: 'removed', text: a[i++]! })
    } else {
      out.push({ kind: 'added', text: b[j++]! })
    }
  }
  while (i < a.length) out.push({ kind: 'removed', text: a[i++]! })
  while (j < b.length) out.push({ kind: 'added', text: b[j++]! })
  return out
}

export type FieldDiff = { field: string; lines: DiffLine[]; changed: boolean }

/** Each field of two snapshots as text, diffed line by line (parameters one per line), in the given order first. */
export function diffFields(before: Record<string, unknown>, after: Record<string, unknown>, order: readonly string[] = []): FieldDiff[] {
  const fields = [...new Set([...order, ...Object.keys(before), ...Object.keys(after)])]
  return fields.map((field) => {
    const lines = diffLines(asText(before[field]), asText(after[field]))
    return { field, lines, changed: lines.some((line) => line.kind !== 'same') }
  })
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('\n')
  return typeof value === 'string' ? value : JSON.stringify(value)
}
