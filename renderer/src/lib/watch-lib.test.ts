import { describe, expect, it } from 'vitest'
import { checkSeqText, throttle } from './url-state'
import { parseWatch } from './watch-text'

describe('checkSeqText', () => {
  it('takes whole numbers from 0 to the end, and start / end', () => {
    expect(checkSeqText('42', 100, 'x')).toEqual({ ok: true, seq: 42 })
    expect(checkSeqText(' 1,000 ', 2000, 'x')).toEqual({ ok: true, seq: 1000 })
    expect(checkSeqText('END', 100, 'x')).toEqual({ ok: true, seq: 100 })
    expect(checkSeqText('start', 100, 'x')).toEqual({ ok: true, seq: 0 })
  })
  it('says why anything else is not a seq, and where to go instead', () => {
    for (const bad of ['abc', '-5', '1.5', '', '0x10']) {
      const r = checkSeqText(bad, 1234, 'Go to seq:')
      expect(r).toEqual({ ok: false, fallback: 0, message: `Go to seq: "${bad}" is not a transition number: give a whole number from 0 to 1,234 (or start / end).` })
    }
    expect(checkSeqText('99999', 1234, 'The address asks for seq')).toEqual({
      ok: false, fallback: 1234, message: 'The address asks for seq 99,999 is past the end: this session has 1,234 transitions.',
    })
  })
})

describe('throttle', () => {
  it('drops its pending trailing call on cancel', async () => {
    const calls: number[] = []
    const t = throttle((n: number) => calls.push(n), 20)
    t(1)
    t(2)
    t.cancel()
    await new Promise((r) => setTimeout(r, 40))
    expect(calls).toEqual([1])
  })
})

describe('parseWatch', () => {
  it('reads slots, pages, requests and conditions as people write them', () => {
    expect(parseWatch('vcpu 2 prev_roots[1]')).toEqual({ watch: { type: 'slot', vcpu: 2, slot: 2 } })
    expect(parseWatch('2:prev_roots[0]')).toEqual({ watch: { type: 'slot', vcpu: 2, slot: 1 } })
    expect(parseWatch('vcpu 0 root')).toEqual({ watch: { type: 'slot', vcpu: 0, slot: 0 } })
    expect(parseWatch('sp 8')).toEqual({ watch: { type: 'page', sp: 8 } })
    expect(parseWatch('sp 8 root_count')).toEqual({ watch: { type: 'page', sp: 8, field: 'root_count' } })
    expect(parseWatch('vcpu 1 requests')).toEqual({ watch: { type: 'requests', vcpu: 1 } })
    expect(parseWatch("where kind = 'kvm_mmu_free_roots' AND vcpu = 2")).toEqual({ watch: { type: 'where', expr: "kind = 'kvm_mmu_free_roots' AND vcpu = 2" } })
    expect(parseWatch('root_count > 1')).toEqual({ watch: { type: 'where', expr: 'root_count > 1' } })
  })
  it('says what is wrong otherwise', () => {
    expect(parseWatch('vcpu 1 prev_roots[3]')).toEqual({ error: 'prev_roots has 3 slots: prev_roots[0] to prev_roots[2] (not 3).' })
    expect(parseWatch('sp 0')).toEqual({ error: 'Shadow page ids start at 1.' })
    expect('error' in parseWatch('hello')).toBe(true)
    expect('error' in parseWatch('  ')).toBe(true)
  })
})

describe('the catalog (the model\'s constants, from the LabApi)', () => {
  it('fills the constants the views read, and the log puts each kind\'s key fields first', async () => {
    const { lab_catalog } = await import('../../../sim/catalog')
    const { setCatalog, POLICIES, POLICY_KERNEL, REQUESTS, TRANSITION_KINDS, MODEL } = await import('./catalog')
    const { fieldValue, keyFieldSummary } = await import('./format')
    setCatalog(lab_catalog())
    expect(POLICIES).toEqual(['reload-all', 'free-obsolete-buggy', 'free-obsolete'])
    expect(POLICY_KERNEL['free-obsolete']).toMatch(/cf4a8693d97a/)
    expect(TRANSITION_KINDS).toContain('kvm_mmu_prepare_zap_page')
    expect(REQUESTS[5]).toBe('KVM_REQ_MMU_FREE_OBSOLETE_ROOTS')
    expect(MODEL.rootLevel).toBe(4)
    expect(fieldValue('roots_to_free', 6)).toBe('0x6')
    const row = { seq: 1, op: 0, kind: 'kvm_mmu_prepare_zap_page', vcpu: 0, sp: 8, gfn: 4100, level: 4, mmu_valid_gen: 0, root_count: 1, invalid: false, unsync: false, reason: 'flooded', zapped_root: true }
    expect(keyFieldSummary(row)).toEqual({ key: 'sp=8 gfn=0x1004 level=4 root_count=1 reason=flooded', rest: 'mmu_valid_gen=0 invalid=false unsync=false zapped_root=true' })
  })
})
