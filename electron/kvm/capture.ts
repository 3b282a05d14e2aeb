/**
 * A capture end to end: scripts -> plan -> native helper on the host's KVM -> trace -> per-script
 * comparison with the model.
 */
import type { Script } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { planText } from './capture-plan'
import { CAPTURE_N_MAX_MMU_PAGES, compareMarked, TraceMismatchError } from './compare-trace'
import type { Comparison } from './comparator'
import type { Alignment } from './op-groups'
import { splitByMarkers, type MarkedScript } from './kernel-events'
import { runPlan } from './native-helper'
import { parseTrace, type ParsedTrace } from './trace-parser'

export interface CapturedScript {
  script: Script
  marked: MarkedScript
  comparison: Comparison
}

export interface CaptureOutcome {
  /** The raw trace text of all scripts (each starts at its "rootlab script <i>" marker). */
  trace: string
  parsed: ParsedTrace
  results: CapturedScript[]
}

/**
 * Captures `scripts` (one VM each, in one helper process) with the helper binary `bin` and
 * compares each with the model (under `o.policy`, default free-obsolete). Throws CaptureRefusal, CaptureHostError, CaptureRunError or
 * TraceMismatchError.
 */
export async function captureScripts(
  bin: string, scripts: readonly Script[], o: { alignment: Alignment; n_max_mmu_pages?: number; policy?: Policy },
): Promise<CaptureOutcome> {
  const n_max_mmu_pages = o.n_max_mmu_pages ?? CAPTURE_N_MAX_MMU_PAGES
  const trace = await runPlan(bin, planText(scripts, n_max_mmu_pages))
  const parsed = parseTrace(trace)
  const marked = splitByMarkers(parsed)
  const results = scripts.map((script, k) => {
    const m = marked.find((s) => s.script === k)
    if (!m) throw new TraceMismatchError(`the capture's trace has no "rootlab script ${k}" marker`)
    if (!m.sawEnd) throw new TraceMismatchError(`the capture's trace of script ${k} is incomplete (no "rootlab end" marker)`)
    return { script, marked: m, comparison: compareMarked(script, m, { n_max_mmu_pages, alignment: o.alignment, policy: o.policy }) }
  })
  return { trace, parsed, results }
}
