/**
 * The old generation of a recording process grows by a factor of 2 between full collections,
 * not V8's usual up to 4.
 *
 * While it records, the model's thread keeps 5-8 MB alive (the shadow pages of
 * `n_max_mmu_pages`, the vCPUs), but the shadow pages it creates live long enough to be promoted
 * and then die when they are zapped or recycled (a 10M recording creates ~409,000). V8 lets the
 * old generation grow to about four times what survived the last mark-compact before the next
 * one (heap-controller.cc, the growing factor), so the heap swung between ~50 and ~80 MB
 * committed and the process's peak RSS at 10M transitions was 178-194 MB (target <= 200).
 * With `--heap-growing-percent=100` it is 162-168 MB at the same speed (5 alternating rounds,
 * docs/benchmarks.md, session 20): a mark-compact here takes 3-8 ms, so a few more of them
 * cost nothing measurable.
 *
 * This flag is read each time V8 computes a new limit, so setting it once the process runs
 * works (the semi-space size, the other lever, is fixed when the heap is set up and ignores
 * `setFlagsFromString`). It is process-wide: the writer's worker gets it too.
 */
import { setFlagsFromString } from 'node:v8'

export const HEAP_GROWTH_FLAG = '--heap-growing-percent=100'

/** The commands that run the recorder for their whole life. */
export const RECORDING_COMMANDS: ReadonlySet<string> = new Set(['record', 'import', 'capture'])

export function limitHeapGrowth(): void {
  setFlagsFromString(HEAP_GROWTH_FLAG)
}
