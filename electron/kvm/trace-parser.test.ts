/**
 * The trace parser on real lines: the verbatim samples of kvm-reference.md §4.1 (LKML, trace-cmd
 * notes, TDP-MMU notes), lines of the shared PVM traces, and damaged input.
 */
import { describe, expect, it } from 'vitest'
import { parseTrace, type TraceEvent } from './trace-parser'
import { loadPair, sharedTracesDir } from './test-support'

/** kvm-reference.md §4.1 sample (1): Mathias Krause, LKML, 30 Mar 2023 (verbatim). */
const LKML = String.raw` qemu-system-x86-8397    [002] d....  1404.389366: kvm_exit: vcpu 1 reason CR_ACCESS rip 0xffffffff8100007a info1 0x0000000000000000 info2 0x0000000000000000 intr_info 0x00000000 error_code 0x00000000
 qemu-system-x86-8397    [002] .....  1404.389373: kvm_cr: cr_write 0 = 0x80050033
 qemu-system-x86-8397    [002] .....  1404.389384: kvm_tdp_mmu_spte_changed: as id 0 gfn 0 level 4 old_spte 2c583e907 new_spte 0
 qemu-system-x86-8397    [002] .....  1404.389384: kvm_mmu_prepare_zap_page: sp gen 0 gfn 0 l3 8-byte q0 direct wux nxe ad root 0 sync
 qemu-system-x86-8397    [002] .....  1404.389386: kvm_tdp_mmu_spte_changed: as id 0 gfn 0 level 3 old_spte 2c583d907 new_spte 5a0
 qemu-system-x86-8397    [002] .....  1404.389386: kvm_mmu_prepare_zap_page: sp gen 0 gfn 0 l2 8-byte q0 direct wux nxe ad root 0 sync
 qemu-system-x86-8397    [002] .....  1404.389388: kvm_tdp_mmu_spte_changed: as id 0 gfn 0 level 2 old_spte 2c583c907 new_spte 5a0
 qemu-system-x86-8397    [002] .....  1404.389388: kvm_mmu_prepare_zap_page: sp gen 0 gfn 0 l1 8-byte q0 direct wux nxe ad root 0 sync
 qemu-system-x86-8397    [002] .....  1404.389425: kvm_mmu_prepare_zap_page: sp gen 0 gfn 1000 l1 8-byte q0 direct wux nxe ad root 0 sync
 qemu-system-x86-8397    [002] .....  1404.389656: kvm_mmu_pagetable_walk: addr ffffffff810551b8 pferr 10 F
 qemu-system-x86-8397    [002] .....  1404.389661: kvm_mmu_paging_element: pte 2929067 level 4
 qemu-system-x86-8397    [002] .....  1404.389662: kvm_mmu_paging_element: pte 2b2c063 level 3
 qemu-system-x86-8397    [002] .....  1404.389662: kvm_mmu_paging_element: pte 10001e3 level 2
 qemu-system-x86-8397    [002] .....  1404.389664: kvm_emulate_insn: 0:ffffffff810551b8:0f 00 d8 (prot64)
`

/** Sample (2): martins3 trace-cmd notes (verbatim). */
const TRACE_CMD = ' qemu-system-x86-1695082 [012] ...1. 722267.552895: kvm_mmu_get_page: sp gen 0 gfn 14b600 l1 8-byte q0 direct wux nxe ad root 0 sync new'

/** Sample (3): TDP-MMU notes (verbatim). */
const TDP_NOTES = String.raw`   vm-6434    [059] ....   234.587042: kvm_tdp_mmu_spte_changed: as id 0 gfn ffc00 level 2 old_spte 800000010bc97907 new_spte 80000000000005a0
   vm-6434    [059] ....   234.587043: kvm_mmu_prepare_zap_page: sp gen 0 gfn ffc00 l1 8-byte q0 direct wux nxe ad root 0 sync
`

function only(text: string): TraceEvent {
  const p = parseTrace(text)
  expect(p.unknown).toBe(0)
  expect(p.events).toHaveLength(1)
  return p.events[0]!
}

describe('trace parser: kvm-reference.md §4.1 samples', () => {
  it('reads the LKML sample: kvm_exit with vcpu and reason, kvm_cr, direct TDP pages, other events counted', () => {
    const p = parseTrace(LKML)
    expect(p.unknown).toBe(0)
    expect(p.events).toHaveLength(14)
    const exit = p.events[0]!
    expect(exit).toMatchObject({ comm: 'qemu-system-x86', pid: 8397, cpu: 2, ts: 1404.389366, name: 'kvm_exit', line: 1 })
    expect(exit.body).toEqual({ type: 'exit', vcpu: 1, reason: 'CR_ACCESS' })
    expect(p.events[1]!.body).toEqual({ type: 'cr', write: true, cr: 0, value: 0x80050033n })
    const zap = p.events[3]!
    expect(zap.name).toBe('kvm_mmu_prepare_zap_page')
    expect(zap.body).toEqual({
      type: 'page', created: null,
      sp: {
        gen: 0, gfn: 0, level: 3, gpte_bytes: 8, quadrant: 0, direct: true, access: 'wux', invalid: false,
        efer_nx: true, ad_disabled: false, root_count: 0, unsync: false,
      },
    })
    expect(p.events[8]!.body).toMatchObject({ type: 'page', sp: { gfn: 0x1000, level: 1 } })
    expect(p.events[13]!.body).toEqual({ type: 'emulate', rip: 0xffffffff810551b8n, bytes: '0f 00 d8', mode: 'prot64', failed: false })
    expect(p.otherEvents).toEqual({ kvm_tdp_mmu_spte_changed: 3, kvm_mmu_pagetable_walk: 1, kvm_mmu_paging_element: 3 })
  })

  it('reads the trace-cmd sample: get_page "new" with a 7-digit pid and a 6-digit timestamp', () => {
    const e = only(TRACE_CMD)
    expect(e).toMatchObject({ comm: 'qemu-system-x86', pid: 1695082, cpu: 12, ts: 722267.552895 })
    expect(e.body).toMatchObject({ type: 'page', created: true, sp: { gfn: 0x14b600, level: 1, direct: true, root_count: 0 } })
  })

  it('reads the TDP-MMU notes sample (4-character flags column)', () => {
    const p = parseTrace(TDP_NOTES)
    expect(p.unknown).toBe(0)
    expect(p.events[1]!).toMatchObject({ comm: 'vm', pid: 6434, cpu: 59, name: 'kvm_mmu_prepare_zap_page' })
    expect(p.events[1]!.body).toMatchObject({ sp: { gfn: 0xffc00, level: 1 } })
  })
})

const shared = sharedTracesDir()
describe.skipIf(!shared.dir)('trace parser: the shared PVM traces', () => {
  it('reads every line of both traces: markers, indirect roots, invalid zaps, zap_all_fast (hex used_pages)', () => {
    for (const name of ['worked-example-zap-prev-root', 'memslot-delete']) {
      const p = parseTrace(loadPair(shared.dir!, name).trace)
      expect(p.unknown).toBe(0)
      expect(p.lost).toBe(0)
      expect(p.events.length).toBe(name === 'memslot-delete' ? 75 : 79)
    }
    const p = parseTrace(loadPair(shared.dir!, 'memslot-delete').trace)
    expect(p.events[0]!).toMatchObject({ comm: 'python3', pid: 16014, cpu: 0, line: 13, body: { type: 'marker', text: 'rootlab op 0' } })
    const zapAll = p.events.find((e) => e.name === 'kvm_mmu_zap_all_fast')!
    expect(zapAll.body).toEqual({ type: 'zap_all_fast', gen: 0, used_pages: 5 })
    const zombie = p.events.find((e) => e.body.type === 'page' && e.body.sp.invalid)!
    expect(zombie.body).toMatchObject({ sp: { gfn: 0xc, level: 4, direct: false, invalid: true, root_count: 0, access: 'wux' } })
  })
})

describe('trace parser: robustness', () => {
  it('counts unreadable lines with their line numbers and never throws', () => {
    const text = [
      '# tracer: nop',
      'garbage that is not a trace line',
      ' qemu-1 [000] ..... 1.000001: kvm_mmu_get_page: sp gen X gfn zz',
      ' qemu-1 [000] ..... 1.000002: kvm_mmu_get_page: sp gen 0 gfn a l4 8-byte q0 wux nxe ad root 0 sync maybe',
      '',
      ' qemu-1 [000] ..... 1.000003: kvm_mmu_zap_all_fast: kvm-mmu-valid-gen 1 used_pages 1f',
      '\u0000\u0001\uffff',
    ].join('\n')
    const p = parseTrace(text)
    expect(p.unknown).toBe(4)
    expect(p.unknownSamples.map((u) => [u.line, u.reason])).toEqual([
      [2, 'not an event line'], [3, 'bad kvm_mmu_get_page body'], [4, 'bad kvm_mmu_get_page body'], [7, 'not an event line'],
    ])
    expect(p.events[0]!.body).toEqual({ type: 'zap_all_fast', gen: 1, used_pages: 0x1f })
  })

  it('survives random bytes', () => {
    let s = ''
    let x = 12345
    for (let i = 0; i < 20000; i++) {
      x = (x * 1103515245 + 12345) >>> 0
      s += String.fromCharCode(x % 7 === 0 ? 10 : 32 + (x % 95))
    }
    expect(() => parseTrace(s)).not.toThrow()
  })

  it('reads trace-cmd report variants: no flags column, TGID column, "print: tracing_mark_write:" markers, LOST events', () => {
    const text = [
      'cpus=2',
      '            qemu-4242  [001]  5.000001: kvm_entry:            vcpu 0, rip 0xfff0',
      '            qemu-4242  (   4240) [001] d..1.  5.000002: kvm_cr: cr_write 3 = 0x800000000000a001',
      '            qemu-4242  [001]  5.000003: print:                tracing_mark_write: rootlab op 3',
      'CPU:1 [LOST 17 EVENTS]',
      '            qemu-4242  [001]  5.000004: kvm_exit:             reason EPT_VIOLATION rip 0x1 info 0 0',
    ].join('\n')
    const p = parseTrace(text)
    expect(p.unknown).toBe(0)
    expect(p.lost).toBe(17)
    expect(p.events.map((e) => e.body)).toEqual([
      { type: 'entry', vcpu: 0 },
      { type: 'cr', write: true, cr: 3, value: 0x800000000000a001n },
      { type: 'marker', text: 'rootlab op 3' },
      { type: 'exit', vcpu: null, reason: 'EPT_VIOLATION' },
    ])
  })

  it('reports events lost by the ring buffer from the entries-in-buffer header', () => {
    expect(parseTrace('# entries-in-buffer/entries-written: 70/79   #P:2\n').lost).toBe(9)
  })
})
