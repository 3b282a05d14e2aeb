import { describe, expect, it } from 'vitest'
import { canonical_line, create_sha256, transitions_digest } from './digest'
import type { Transition } from './transitions'

describe('sha256 (FIPS 180-4 test vectors)', () => {
  it('hashes "abc", the empty string and a two-block message', () => {
    expect(create_sha256().update('abc').hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(create_sha256().hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(create_sha256().update('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq').hex())
      .toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1')
  })
  it('encodes text as UTF-8 and streams across updates', () => {
    expect(create_sha256().update('é').hex()).toBe(create_sha256().update('\u00e9').hex())
    expect(create_sha256().update('ab').update('c').hex()).toBe(create_sha256().update('abc').hex())
    const million = create_sha256()
    for (let i = 0; i < 1000; i++) million.update('a'.repeat(1000))
    expect(million.hex()).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0')
  })
})

describe('canonical_line', () => {
  it('writes seq, op, kind, vcpu and the fields in schema order (bool as 1/0, strings as JSON)', () => {
    const t = { seq: 7, op: 3, kind: 'kvm_mmu_prepare_zap_page', vcpu: 1, reason: 'flooded', zapped_root: true, sp: 2, gfn: 12, level: 4, mmu_valid_gen: 0, root_count: 1, invalid: false, unsync: false } as Transition
    expect(canonical_line(t)).toBe('7\t3\tkvm_mmu_prepare_zap_page\t1\t2\t12\t4\t0\t1\t0\t0\t"flooded"\t1')
    const g = { seq: 1, op: 0, kind: 'kvm_mmu_zap_all_fast', vcpu: null, mmu_valid_gen: 0, used_pages: 5 } as Transition
    expect(canonical_line(g)).toBe('1\t0\tkvm_mmu_zap_all_fast\t-\t0\t5')
  })
  it('gives the digest of the lines joined by newlines', () => {
    const g = { seq: 1, op: 0, kind: 'kvm_mmu_zap_all_fast', vcpu: null, mmu_valid_gen: 0, used_pages: 5 } as Transition
    expect(transitions_digest([g])).toBe(create_sha256().update('1\t0\tkvm_mmu_zap_all_fast\t-\t0\t5\n').hex())
  })
})
