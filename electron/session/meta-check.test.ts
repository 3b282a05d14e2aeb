import { describe, expect, it } from 'vitest'
import { metaProblem } from './meta-check'

const good = new Map<string, string | null>([
  ['vcpus', '4'], ['complete', '1'], ['n_max_mmu_pages', '1024'], ['seed', '1'], ['params', '{"vcpus":4}'], ['summary', '{"findings":0}'],
])
const with_ = (k: string, v: string | null) => new Map([...good, [k, v]])

describe('meta values of a session file', () => {
  it("accepts what Root Lab writes (a script's session has no seed)", () => {
    expect(metaProblem(good)).toBeNull()
    expect(metaProblem(with_('seed', null))).toBeNull()
  })

  it('names the value and what it must be, quoted bounded', () => {
    expect(metaProblem(with_('vcpus', 'abc'))).toBe('meta "vcpus" must be an integer from 1 to 64, got "abc"')
    expect(metaProblem(with_('vcpus', '4000000000'))).toBe('meta "vcpus" must be an integer from 1 to 64, got "4000000000"')
    expect(metaProblem(with_('complete', 'yes'))).toBe('meta "complete" must be 0 or 1, got "yes"')
    expect(metaProblem(with_('n_max_mmu_pages', '-5'))).toMatch(/^meta "n_max_mmu_pages" must be an integer from 1 to/)
    expect(metaProblem(with_('seed', '1e400'))).toBe('meta "seed" must be an integer, got "1e400"')
    expect(metaProblem(with_('params', '{'))).toBe('meta "params" must be a JSON object, got "{"')
    expect(metaProblem(with_('summary', '[]'))).toBe('meta "summary" must be a JSON object, got "[]"')
    expect(metaProblem(with_('params', `{${'x'.repeat(1000)}`))).toBe(`meta "params" must be a JSON object, got "{${'x'.repeat(78)}…`)
  })
})
