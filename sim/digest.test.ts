import { describe, expect, it } from 'vitest'
import { canonical_encode, canonical_line, create_byte_writer, create_sha256, kind_index, transitions_digest, write_varint, zigzag } from './digest'
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
})

describe('canonical_encode (the bytes the digest is taken over)', () => {
  const bytes = (t: Transition): number[] => {
    const w = create_byte_writer(2)
    canonical_encode(t, w)
    return [...w.buf.subarray(0, w.len)]
  }
  it('writes varint seq, op, kind index, vcpu + 1, then the fields (zigzag ints, bool bytes, counted UTF-8)', () => {
    const g = { seq: 1, op: 0, kind: 'kvm_mmu_zap_all_fast', vcpu: null, mmu_valid_gen: 0, used_pages: 5 } as Transition
    expect(bytes(g)).toEqual([1, 0, kind_index('kvm_mmu_zap_all_fast'), 0, 0, 10])
    const f = { seq: 300, op: 2, kind: 'finding', vcpu: 3, rule: 'r', message: 'é', sp: -1, slot: 1 } as Transition
    expect(bytes(f)).toEqual([0xac, 0x02, 2, kind_index('finding'), 4, 1, 0x72, 2, 0xc3, 0xa9, 1, 2])
  })
  it('keeps integers exact up to 2^52 and -1 (INVALID_PAGE) small', () => {
    expect(zigzag(-1)).toBe(1)
    const w = create_byte_writer(1)
    write_varint(w, zigzag(2 ** 52 - 4096))
    let n = 0
    for (let i = w.len - 1; i >= 0; i--) n = n * 128 + (w.buf[i]! & 0x7f)
    expect(n).toBe(zigzag(2 ** 52 - 4096))
  })
  it('gives the digest as sha256 of the concatenated bytes', () => {
    const g = { seq: 1, op: 0, kind: 'kvm_mmu_zap_all_fast', vcpu: null, mmu_valid_gen: 0, used_pages: 5 } as Transition
    const expected = create_sha256().update_bytes(new Uint8Array([1, 0, kind_index('kvm_mmu_zap_all_fast'), 0, 0, 10, 2, 0, kind_index('kvm_mmu_zap_all_fast'), 0, 2, 0])).hex()
    expect(transitions_digest([g, { ...g, seq: 2, mmu_valid_gen: 1, used_pages: 0 } as Transition])).toBe(expected)
  })
})
