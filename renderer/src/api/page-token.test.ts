import { describe, expect, it } from 'vitest'
import { dropTokenFromAddressBar, searchWithoutToken } from './page-token'

describe("the page's token", () => {
  it('is removed from the query, other parameters kept', () => {
    expect(searchWithoutToken('?token=abc')).toBe('')
    expect(searchWithoutToken('?token=abc&file=%2Ftmp%2Fa.rootlab&seq=4')).toBe('?file=%2Ftmp%2Fa.rootlab&seq=4')
    expect(searchWithoutToken('?file=%2Fa&token=abc')).toBe('?file=%2Fa')
    expect(searchWithoutToken('?file=%2Fa')).toBeNull()
    expect(searchWithoutToken('')).toBeNull()
  })

  it('leaves the address bar through replaceState, keeping path and hash', () => {
    const calls: string[] = []
    const win = {
      location: { pathname: '/', search: '?token=abc&seq=3', hash: '#x' },
      history: { replaceState: (_d: unknown, _u: string, url: string) => void calls.push(url) },
    }
    dropTokenFromAddressBar(win)
    expect(calls).toEqual(['/?seq=3#x'])
    dropTokenFromAddressBar({ ...win, location: { ...win.location, search: '?seq=3' } })
    expect(calls).toHaveLength(1)
  })
})
