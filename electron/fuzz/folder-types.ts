/**
 * A fuzz folder as LabApi `fuzzReproducers` returns it (types only: the contract and the
 * renderer import them).
 */
import type { Policy } from '../../sim/types'

/** One reproducer of a fuzz folder (docs/fuzzing.md): a shrunk failing script and its session. */
export interface FuzzReproducer {
  /** N of fail-N. */
  id: number
  /** alone (a finding under the policy), against (two policies differ), kernel (this host's KVM differs). */
  oracle: 'alone' | 'against' | 'kernel'
  /** How it failed, e.g. "obsolete_root_kept: a root zapped by a memslot update stays in prev_roots; current root INVALID". */
  failure: string
  /** The particulars (vCPU, slot, sp, pgd). */
  detail: string
  ops: number
  vcpus: number
  /** The seq of the session's bookmark: the first finding or divergence. */
  first_seq: number
  /** Absolute paths of the script and the session file. */
  script: string
  session: string
}

/** A fuzz folder's summary, as the Open dialog lists it. */
export interface FuzzFolder {
  /** The folder, absolute. */
  dir: string
  runs: number
  seconds: number
  seed: number
  policy: Policy
  against: Policy | 'kernel' | null
  reproducers: FuzzReproducer[]
}
