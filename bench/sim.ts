/**
 * Benchmark of the model alone: transitions per second on process-churn, 4 and 64 vCPUs.
 * Run: npm run bench:sim  (target >= 5M transitions/s on the project's 2-core machine)
 */
import { create_machine, kvm_create, scenario_ops, validate_scenario_params, type Op } from '../sim/index'

function measure(vcpus: number, steps: number, reps: number): { tps: number; transitions: number; ms: number } {
  const p = validate_scenario_params('process-churn', { vcpus, steps, seed: 1, processes: vcpus * 4 })
  const ops: Op[] = [...scenario_ops('process-churn', p)] // generate outside the timed part
  let best = 0
  let transitions = 0
  let bestMs = 0
  for (let r = 0; r < reps; r++) {
    const m = create_machine(kvm_create({ vcpus, n_max_mmu_pages: p.n_max_mmu_pages }), 'free-obsolete', () => {})
    const t0 = performance.now()
    for (const op of ops) m.run_op(op)
    const ms = performance.now() - t0
    transitions = m.ctx.seq
    const tps = transitions / (ms / 1000)
    if (tps > best) { best = tps; bestMs = ms }
  }
  return { tps: best, transitions, ms: bestMs }
}

export function benchSim(): Record<string, number> {
  measure(4, 20_000, 2) // warm up the JIT
  const out: Record<string, number> = {}
  for (const vcpus of [4, 64]) {
    const r = measure(vcpus, 200_000, 3)
    console.log(`sim process-churn vcpus=${vcpus}: ${(r.tps / 1e6).toFixed(2)}M transitions/s (${r.transitions} transitions in ${r.ms.toFixed(0)} ms, best of 3)`)
    out[`sim_tps_vcpus_${vcpus}`] = r.tps
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) benchSim()
