import { describe, expect, it } from 'vitest'
import { contentWords, highlightSource } from '../src/review/source-highlight'

const SOURCE =
  'Refunds are issued within fourteen days of the return arriving at the warehouse. Shipping costs are never refunded. Our office cat is called Biscuit.\nGift cards cannot be exchanged for cash.'

const marked = (source: string, passages: ReturnType<typeof highlightSource>) => passages.filter((p) => p.used).map((p) => source.slice(p.start, p.end).trim())

describe('highlighting the source passages a conversation uses', () => {
  it('marks the sentences whose content words the assistant repeats, and only those', () => {
    const passages = highlightSource(SOURCE, [
      'Your refund is issued within fourteen days once the return reaches our warehouse.',
      'Gift cards cannot be exchanged for cash, sorry.',
    ])
    expect(marked(SOURCE, passages)).toEqual([
      'Refunds are issued within fourteen days of the return arriving at the warehouse.',
      'Gift cards cannot be exchanged for cash.',
    ])
  })

  it('covers the whole source with consecutive passages, so nothing is dropped or repeated', () => {
    const passages = highlightSource(SOURCE, ['Shipping costs are never refunded.'])
    expect(passages.map((p) => SOURCE.slice(p.start, p.end)).join('')).toBe(SOURCE)
    for (let i = 1; i < passages.length; i++) {
      expect(passages[i]!.start).toBe(passages[i - 1]!.end)
      expect(passages[i]!.used).not.toBe(passages[i - 1]!.used)
    }
  })

  it('marks nothing when the assistant shares no content words, or there are no assistant turns', () => {
    expect(highlightSource(SOURCE, ['Hello! How can I help?']).some((p) => p.used)).toBe(false)
    expect(highlightSource(SOURCE, []).some((p) => p.used)).toBe(false)
  })

  it('does not count stop words or short words as shared content', () => {
    expect(contentWords('They were there with the cat and Biscuit')).toEqual(['biscuit'])
    expect(highlightSource('It is what it is, and that was that.', ['it is what it is and that was that']).some((p) => p.used)).toBe(false)
  })

  it('handles an empty source', () => {
    expect(highlightSource('', ['anything'])).toEqual([])
  })
})
