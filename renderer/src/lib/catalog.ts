/**
 * The model's catalog, from the LabApi (`catalog`, built by sim/catalog.ts on the Node side): the
 * debugger imports nothing from sim/. Loaded once at start (loadCatalog, before a session is
 * shown); the exports are filled in place, so code written against the model's constants reads
 * them by the same names.
 */
import { reactive } from 'vue'
import type { LabCatalog, Policy } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { takePrefetchedCatalog } from './prefetch'

/** The policies a session can be recorded under, in order. */
export const POLICIES: Policy[] = reactive([])
/** The kernel each policy stands for. */
export const POLICY_KERNEL: Record<string, string> = reactive({})
/** Every transition kind. */
export const TRANSITION_KINDS: string[] = reactive([])
/** Request names in bit order (plain: read while drawing). */
export const REQUESTS: string[] = []
/** The fields of each kind, canonical order and key fields first; the mask fields; the root level. */
export const MODEL = {
  kinds: new Map<string, { fields: string[]; key: string[] }>(),
  maskFields: new Set<string>(),
  rootLevel: 0,
}

/** Fills the exports from a catalog (loadCatalog; tests give one built by sim/catalog.ts). */
export function setCatalog(c: LabCatalog): void {
  POLICIES.splice(0, POLICIES.length, ...c.policies.map((p) => p.policy))
  for (const p of c.policies) POLICY_KERNEL[p.policy] = p.kernel
  TRANSITION_KINDS.splice(0, TRANSITION_KINDS.length, ...c.kinds.map((k) => k.kind))
  REQUESTS.splice(0, REQUESTS.length, ...c.requests)
  MODEL.kinds = new Map(c.kinds.map((k) => [k.kind, { fields: k.fields, key: k.key }]))
  MODEL.maskFields = new Set(c.mask_fields)
  MODEL.rootLevel = c.root_level
}

/** Asks the Node side for the catalog; null when done, else the error to show. */
export async function loadCatalog(): Promise<string | null> {
  const r = await (takePrefetchedCatalog() ?? lab().catalog({}))
  if (!r.ok) return r.error
  setCatalog(r.value)
  return null
}
