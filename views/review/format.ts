/** Small formatters shared by the review pages. */
export const quality = (q: number | null | undefined) => (q === null || q === undefined ? '—' : q.toFixed(2))
export const percent = (r: number | null | undefined) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(1)}%`)
export const when = (d: Date | null | undefined) => (d ? d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—')
