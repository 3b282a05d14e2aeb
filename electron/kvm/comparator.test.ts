/**
 * The comparator on the two real traces in shared/data/kvm-traces (Linux 6.18 PVM host with the
 * upstream fix, tdp_mmu=N, shadow paging): the model must agree event for event, op by op,
 * including the teardown's final root_counts.
 */
import { describe, expect, it } from 'vitest'
import { compareMarked } from './compare-trace'
import { describeGroup, formatEvent } from './comparator'
import { splitByMarkers } from './kernel-events'
import { parseTrace } from './trace-parser'
import { loadPair, sharedTracesDir } from './test-support'

const shared = sharedTracesDir()
if (!shared.dir) console.log(`skipping the shared-trace comparisons: ${shared.reason}`)

describe.skipIf(!shared.dir)('comparator on the shared real traces', () => {
  for (const name of ['worked-example-zap-prev-root', 'memslot-delete']) {
    it(`${name}: every op group and the teardown agree with free-obsolete`, () => {
      const { script, trace } = loadPair(shared.dir!, name)
      const parsed = parseTrace(trace)
      expect(parsed.unknown).toBe(0)
      const [marked, ...rest] = splitByMarkers(parsed)
      expect(rest).toHaveLength(0)
      const c = compareMarked(script, marked!)
      expect(c.disagreements.map(describeGroup)).toEqual([])
      expect(c.agree).toBe(true)
      expect(c.teardown).not.toBeNull()
      expect(c.counts.kernelEvents).toBe(c.counts.modelEvents)
      expect(c.counts.kernelEvents).toBeGreaterThan(10)
    })
  }

  it('worked example: the flooded prev root is zapped at op 18 and freed at vCPU 0\'s next entry (op 19)', () => {
    const { script, trace } = loadPair(shared.dir!, 'worked-example-zap-prev-root')
    const c = compareMarked(script, splitByMarkers(parseTrace(trace))[0]!)
    expect(c.groups[18]!.kernel.map(formatEvent)).toEqual(['prepare_zap gfn 0xc l4 gen 0 root 1'])
    expect(c.groups[19]!.kernel.map(formatEvent)).toEqual(['prepare_zap gfn 0xc l4 gen 0 invalid root 0'])
    expect(c.groups[19]!.model.map(formatEvent)).toEqual(['prepare_zap gfn 0xc l4 gen 0 invalid root 0'])
  })

  it('memslot delete: the final root_counts in the teardown are the model\'s', () => {
    const { script, trace } = loadPair(shared.dir!, 'memslot-delete')
    const c = compareMarked(script, splitByMarkers(parseTrace(trace))[0]!)
    expect(c.teardown!.model.map(formatEvent)).toEqual([
      'prepare_zap gfn 0xe l4 gen 1 root 1',
      'prepare_zap gfn 0xa l4 gen 1 root 1',
      'prepare_zap gfn 0xa l4 gen 1 invalid root 0',
      'prepare_zap gfn 0xe l4 gen 1 invalid root 0',
    ])
    expect(c.teardown!.classification).toBe('agree')
  })

  it('the same kernel events disagree with the buggy v5.18.0 policy (527d5cd7eece) and with v5.17 (reload-all)', () => {
    const { script, trace } = loadPair(shared.dir!, 'worked-example-zap-prev-root')
    const marked = splitByMarkers(parseTrace(trace))[0]!
    // v5.18.0: __kvm_mmu_free_obsolete_roots() tests mmu->root.hpa in the prev-roots loop, so
    // vCPU 0 keeps the zapped prev root C at op 19: the kernel's second zap of C is missing.
    const buggy = compareMarked(script, marked, { policy: 'free-obsolete-buggy', alignment: 'pvm-batch' })
    expect(buggy.explained).toBe(false)
    expect(describeGroup(buggy.disagreements[0]!)).toBe(
      'op 19: run vcpu 0: kernel (trace line 79): prepare_zap gfn 0xc l4 gen 0 invalid root 0 | model: (none)')
    const v517 = compareMarked(script, marked, { policy: 'reload-all', alignment: 'pvm-batch' })
    expect(v517.explained).toBe(false)
    expect(v517.disagreements[0]!.group).toBe(19)
  })

  it('a kernel event the model lacks is a disagreement with the op index', () => {
    const { script, trace } = loadPair(shared.dir!, 'worked-example-zap-prev-root')
    // Drop the zap of op 18 from the kernel side: op 18 and everything it causes must be reported.
    const doctored = trace.split('\n').filter((l) => !l.includes('1649.247152')).join('\n')
    const c = compareMarked(script, splitByMarkers(parseTrace(doctored))[0]!)
    expect(c.explained).toBe(false)
    expect(c.disagreements[0]!.group).toBe(18)
    expect(describeGroup(c.disagreements[0]!)).toMatch(/^op 18: pt_write vcpu 1 gfn 0xc: kernel: \(none\) \| model: prepare_zap gfn 0xc/)
  })
})
