import { describe, expect, test } from 'vitest'
import { when } from '../views/format'

/** What Intl itself says, the way every time was written before the per-day offsets. */
function byIntl(date: Date, zone: string): string {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  })
  const p = Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]))
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`
}

describe('times in the user’s time zone', () => {
  test('read as Intl writes them, every 7 minutes across days the clocks change', () => {
    const days = [
      ['Europe/Paris', '2026-03-29'], // summer time starts at 01:00 UTC
      ['Europe/Paris', '2026-10-25'],
      ['America/New_York', '2026-11-01'],
      ['Australia/Lord_Howe', '2026-10-04'], // a half-hour change
      ['Asia/Kolkata', '2026-11-30'], // +05:30, no change
      ['UTC', '2026-11-30'],
    ] as const
    for (const [zone, day] of days) {
      const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000
      for (let t = start; t < start + 3 * 86_400_000; t += 7 * 60_000) {
        expect(when(new Date(t), zone), `${zone} ${new Date(t).toISOString()}`).toBe(byIntl(new Date(t), zone))
      }
    }
  })

  test('an example, and nothing for no time', () => {
    expect(when(new Date('2026-11-30T15:05:59Z'), 'Europe/Paris')).toBe('2026-11-30 16:05 CET')
    expect(when(null)).toBe('—')
  })
})
