/**
 * Prints the README's results table: the patch's claim, measured by the model.
 * Run: npx tsx scripts/results-table.ts [steps]
 */
import { POLICIES, POLICY_KERNEL, run_ops, scenario_ops, validate_scenario_params } from '../sim/index'

const steps = Number(process.argv[2] ?? 2000)
const p = validate_scenario_params('process-churn', { vcpus: 4, seed: 1, steps })
console.log(`process-churn, 4 vCPUs, seed 1, ${steps} steps (${p.processes} processes at most), n_max_mmu_pages ${p.n_max_mmu_pages}\n`)
console.log('| policy | kernel | root loads (`kvm_mmu_load`) | vCPU unloads | `fast_pgd_switch` hit rate | `mmu_shadow_zapped` | findings |')
console.log('|---|---|---:|---:|---:|---:|---:|')
for (const policy of POLICIES) {
  const r = run_ops(scenario_ops('process-churn', p), { policy, vcpus: p.vcpus, n_max_mmu_pages: p.n_max_mmu_pages, digest: false })
  const c = r.counters
  const rate = (100 * c.fast_pgd_switch_hits) / Math.max(1, c.fast_pgd_switch_hits + c.fast_pgd_switch_misses)
  console.log(`| \`${policy}\` | ${POLICY_KERNEL[policy]} | ${c.root_loads} | ${c.vcpu_unloads} | ${rate.toFixed(1)} % (${c.fast_pgd_switch_hits}/${c.fast_pgd_switch_hits + c.fast_pgd_switch_misses}) | ${r.stats.mmu_shadow_zapped} | ${r.findings} |`)
}
