import { describe, expect, it } from 'vitest'
import { num } from './format'

describe('num', () => {
  it('groups integers by thousands exactly as en-US toLocaleString does', () => {
    const cases = [0, 1, -1, 12, 999, 1000, -1000, 12345, 999999, 1000000, 1002270, -10049590, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]
    for (const n of cases) expect(num(n)).toBe(n.toLocaleString('en-US'))
  })

  it('leaves fractions, -0 and non-finite numbers to toLocaleString', () => {
    for (const n of [1234.5678, -0.25, 1e21, Infinity, NaN]) expect(num(n)).toBe(n.toLocaleString('en-US'))
    expect(num(-0)).toBe((-0).toLocaleString('en-US'))
  })
})
