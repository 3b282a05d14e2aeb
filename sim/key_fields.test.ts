import { describe, expect, it } from 'vitest'
import { fields_key_first, KEY_FIELDS } from './key_fields'
import { transition_fields, TRANSITION_KINDS } from './transitions'

describe('key fields', () => {
  it('puts a zap\'s sp gfn level root_count reason first and keeps every other field after', () => {
    const f = fields_key_first('kvm_mmu_prepare_zap_page')
    expect(f.key).toEqual(['sp', 'gfn', 'level', 'root_count', 'reason'])
    expect(f.rest).toEqual(['mmu_valid_gen', 'invalid', 'unsync', 'zapped_root'])
  })
  it('names only fields the kind has, and loses none', () => {
    for (const k of TRANSITION_KINDS) {
      for (const name of KEY_FIELDS[k] ?? []) expect(transition_fields(k)).toContain(name)
      const f = fields_key_first(k)
      expect([...f.key, ...f.rest].sort()).toEqual([...transition_fields(k)].sort())
    }
  })
})
