/**
 * Latency histograms with fixed bucket bounds, so histograms from many processes add up bucket by
 * bucket and percentiles can be read from the sum (averages of percentiles would be meaningless).
 */

/** Upper bounds in milliseconds; the last bucket holds everything slower. */
export const BUCKET_BOUNDS_MS = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000, 5000, 10_000] as const
const BUCKETS = BUCKET_BOUNDS_MS.length + 1

export const emptyHistogram = (): number[] => new Array<number>(BUCKETS).fill(0)

export function record(histogram: number[], ms: number): void {
  let i = 0
  while (i < BUCKET_BOUNDS_MS.length && ms > BUCKET_BOUNDS_MS[i]!) i++
  histogram[i] = (histogram[i] ?? 0) + 1
}

/** Adds `from` into `into`, bucket by bucket (a histogram of another shape is ignored). */
export function addInto(into: number[], from: readonly number[]): void {
  if (from.length !== BUCKETS) return
  for (let i = 0; i < BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0)
}

/** Adds a histogram into `totals[name]`, which starts empty. */
export function addNamed(totals: Record<string, number[]>, name: string, histogram: readonly number[]): void {
  const into = totals[name] ?? emptyHistogram()
  totals[name] = into
  addInto(into, histogram)
}

export const countOf = (histogram: readonly number[]): number => histogram.reduce((a, b) => a + b, 0)

/**
 * The p-th percentile (0–1), interpolated inside its bucket; null with no samples. The slowest
 * bucket has no upper bound, so it reads as twice the last bound.
 */
export function percentile(histogram: readonly number[], p: number): number | null {
  const total = countOf(histogram)
  if (total === 0) return null
  const rank = p * total
  let seen = 0
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i] ?? 0
    if (n > 0 && seen + n >= rank) {
      const low = i === 0 ? 0 : BUCKET_BOUNDS_MS[i - 1]!
      const high = BUCKET_BOUNDS_MS[i] ?? BUCKET_BOUNDS_MS[BUCKET_BOUNDS_MS.length - 1]! * 2
      return Math.round((low + ((rank - seen) / n) * (high - low)) * 10) / 10
    }
    seen += n
  }
  return null
}

/** Histograms per name for the last `minutes`, kept per minute so old minutes fall away. */
export class RollingHistograms {
  private readonly minutes = new Map<number, Map<string, number[]>>()
  constructor(private readonly window = 60) {}

  record(name: string, ms: number, now = Date.now()): void {
    const minute = Math.floor(now / 60_000)
    let byName = this.minutes.get(minute)
    if (!byName) {
      byName = new Map()
      this.minutes.set(minute, byName)
      this.prune(minute)
    }
    const histogram = byName.get(name) ?? emptyHistogram()
    byName.set(name, histogram)
    record(histogram, ms)
  }

  /** Every name's histogram summed over the window. */
  totals(now = Date.now()): Record<string, number[]> {
    this.prune(Math.floor(now / 60_000))
    const totals: Record<string, number[]> = {}
    for (const byName of this.minutes.values()) {
      for (const [name, histogram] of byName) addNamed(totals, name, histogram)
    }
    return totals
  }

  private prune(minute: number): void {
    for (const key of this.minutes.keys()) if (key <= minute - this.window) this.minutes.delete(key)
  }
}
