import { describe, expect, it } from 'vitest'
import { run_ops } from '../run'
import type { Policy } from '../types'
import { ParamError, scenario_ops, SCENARIOS, validate_scenario_params } from './index'

function run(name: (typeof SCENARIOS)[number], policy: Policy, over: Record<string, number> = {}) {
  const p = validate_scenario_params(name, { vcpus: 4, steps: 800, seed: 1, ...over })
  return run_ops(scenario_ops(name, p), { policy, vcpus: p.vcpus, n_max_mmu_pages: p.n_max_mmu_pages })
}

describe('workload generators', () => {
  it('give the same operations and digest for the same scenario, seed and policy', () => {
    for (const name of SCENARIOS) {
      const a = run(name, 'free-obsolete')
      const b = run(name, 'free-obsolete')
      expect(a.digest).toBe(b.digest)
      expect(a.transitions).toBeGreaterThan(1000)
      expect(run(name, 'free-obsolete', { seed: 2 }).digest).not.toBe(a.digest)
    }
  })
  it('process-churn surfaces the v5.18.0 bug as obsolete_root_kept findings, and only under that policy', () => {
    expect(run('process-churn', 'free-obsolete-buggy').findings).toBeGreaterThan(0)
    expect(run('process-churn', 'free-obsolete').findings).toBe(0)
    expect(run('process-churn', 'reload-all').findings).toBe(0)
    expect(run('mixed', 'free-obsolete').findings).toBe(0)
  })
  it('process-churn zaps roots (flooded PGDs of exited processes); context-switch never does', () => {
    const churn = run('process-churn', 'free-obsolete')
    expect(churn.stats.mmu_flooded).toBeGreaterThan(0)
    const cs = run('context-switch', 'free-obsolete')
    expect(cs.stats.mmu_shadow_zapped).toBe(0)
    expect(cs.counters.fast_pgd_switch_hits).toBeGreaterThan(cs.counters.fast_pgd_switch_misses * 10)
  })
  it('the patch keeps the cache: fewer root loads and more fast_pgd_switch hits than v5.17 on process-churn', () => {
    const before = run('process-churn', 'reload-all')
    const after = run('process-churn', 'free-obsolete')
    expect(after.counters.root_loads).toBeLessThan(before.counters.root_loads)
    expect(after.counters.fast_pgd_switch_hits).toBeGreaterThan(before.counters.fast_pgd_switch_hits)
    expect(before.counters.vcpu_unloads).toBeGreaterThan(0)
    expect(after.counters.vcpu_unloads).toBe(0)
  })
  it('memslot-update changes memslots periodically', () => {
    const r = run('memslot-update', 'free-obsolete')
    expect(r.state.mmu_valid_gen === 0 || r.state.mmu_valid_gen === 1).toBe(true)
    expect(r.stats.mmu_shadow_zapped).toBeGreaterThan(0)
  })
  it('refuses parameters out of range, naming the parameter and the range', () => {
    expect(() => validate_scenario_params('process-churn', { vcpus: 0 })).toThrow(new ParamError('vcpus must be an integer from 1 to 64, got 0'))
    expect(() => validate_scenario_params('process-churn', { steps: 1.5 })).toThrow(/steps must be an integer from 1 to 10000000/)
    expect(() => validate_scenario_params('process-churn', { n_max_mmu_pages: 10 })).toThrow(/n_max_mmu_pages must be an integer from 64/)
    expect(() => validate_scenario_params('fork-bomb', {})).toThrow(/unknown scenario "fork-bomb" \(allowed: process-churn/)
  })
})
