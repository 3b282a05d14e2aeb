import { describe, expect, it } from 'vitest'
import { format_op, parse_script } from '../script'
import { generator_coverage } from './coverage'
import { DEFAULT_FUZZ_SHAPE, fuzz_script_seed, generate_script } from './generate'

describe('the fuzz script generator', () => {
  it('gives the same script for the same seed and index, and unrelated scripts for neighbours', () => {
    expect(generate_script(7, 123)).toEqual(generate_script(7, 123))
    expect(generate_script(7, 123)).not.toEqual(generate_script(7, 124))
    expect(generate_script(7, 123)).not.toEqual(generate_script(8, 123))
    const seeds = new Set(Array.from({ length: 10_000 }, (_, i) => fuzz_script_seed(1, i)))
    expect(seeds.size).toBeGreaterThan(9_990)
  })

  it('writes valid scripts of exactly --ops ops and --vcpus vCPUs (1-4 when not given)', () => {
    for (let i = 0; i < 300; i++) {
      const s = generate_script(3, i, { vcpus: i % 5 === 0 ? 6 : null, ops: 1 + (i % 60), capturable: i % 2 === 0 })
      expect(s.ops).toHaveLength(1 + (i % 60))
      if (i % 5 === 0) expect(s.vcpus).toBe(6)
      else expect(s.vcpus).toBeGreaterThanOrEqual(1)
      expect(s.vcpus).toBeLessThanOrEqual(6)
      // Round trip through the script format: what the fuzzer writes, `record --script` reads.
      expect(parse_script(JSON.stringify({ vcpus: s.vcpus, ops: s.ops.map(format_op) }))).toEqual(s)
    }
  })

  it('keeps capturable scripts to what a capture runs: cr3 first on every vCPU, no fault or unprotect, frames below 0x500', () => {
    for (let i = 0; i < 100; i++) {
      const s = generate_script(5, i, { ...DEFAULT_FUZZ_SHAPE, capturable: true })
      const started = new Set<number>()
      for (const op of s.ops) {
        expect(['cr3', 'run', 'pt_write', 'memslot']).toContain(op.op)
        if (op.op === 'cr3') {
          started.add(op.vcpu)
          expect(op.pgd).toBeLessThan(0x500000)
        } else if (op.op === 'run' || op.op === 'pt_write') {
          expect(started.has(op.vcpu)).toBe(true)
          if (op.op === 'pt_write') expect(op.gfn).toBeLessThan(0x500)
        }
      }
    }
  })

  it('reaches root zaps, prev-root hits and memslot updates in most scripts, and the v5.18.0 finding under free-obsolete-buggy', () => {
    const fixed = generator_coverage(11, 0, 1000, DEFAULT_FUZZ_SHAPE, 'free-obsolete')
    expect(fixed.scripts_with.root_zap / fixed.scripts).toBeGreaterThan(0.8)
    expect(fixed.scripts_with.prev_root_hit / fixed.scripts).toBeGreaterThan(0.3)
    expect(fixed.scripts_with.memslot / fixed.scripts).toBeGreaterThan(0.4)
    expect(fixed.scripts_with.finding).toBe(0)
    for (const kind of ['kvm_mmu_unprotect_page', 'page_fault', 'link_shadow_page', 'kvm_mmu_free_obsolete_roots', 'kvm_mmu_zap_all_fast'] as const) {
      expect(fixed.kinds[kind], kind).toBeGreaterThan(0)
    }
    const buggy = generator_coverage(11, 0, 1000, DEFAULT_FUZZ_SHAPE, 'free-obsolete-buggy')
    expect(buggy.scripts_with.finding / buggy.scripts).toBeGreaterThan(0.5)
  })
})
