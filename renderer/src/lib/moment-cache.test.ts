import { describe, expect, it } from 'vitest'
import { MomentCache } from './moment-cache'

describe('MomentCache', () => {
  it('keys answers by session, page scope and seq', async () => {
    const c = new MomentCache<string>(4)
    c.set('s1', 'roots', 7, Promise.resolve('a'))
    expect(await c.get('s1', 'roots', 7)).toBe('a')
    expect(c.get('s1', 'all', 7)).toBeUndefined()
    expect(c.get('s2', 'roots', 7)).toBeUndefined()
    expect(c.has('s1', 'roots', 7)).toBe(true)
    c.delete('s1', 'roots', 7)
    expect(c.has('s1', 'roots', 7)).toBe(false)
  })

  it('drops the least recently used answer beyond its capacity', () => {
    const c = new MomentCache<number>(3)
    for (const s of [1, 2, 3]) c.set('s', 'roots', s, Promise.resolve(s))
    c.get('s', 'roots', 1) // 1 is used again: 2 is now the oldest
    c.set('s', 'roots', 4, Promise.resolve(4))
    expect(c.size).toBe(3)
    expect([1, 2, 3, 4].filter((s) => c.has('s', 'roots', s))).toEqual([1, 3, 4])
    c.clear()
    expect(c.size).toBe(0)
  })
})
