/**
 * What a root slot (mmu->root or mmu->prev_roots[i]) holds, in the four states the debugger's
 * lanes, the Perfetto export and the cards tell apart:
 *
 *   valid         a root shadow page of the current mmu_valid_gen, not zapped
 *   obsolete      not zapped, but from the previous mmu_valid_gen (is_obsolete_sp(), after
 *                 kvm_mmu_zap_all_fast() toggled the generation)
 *   zombie        zapped (role.invalid) but still held by the slot: __kvm_mmu_prepare_zap_page()
 *                 took it off active_mmu_pages, and only the last mmu_free_root_page() frees it.
 *                 v5.18.0's bug leaves such roots in prev_roots (finding obsolete_root_kept).
 *   invalid_page  the slot's hpa is INVALID_PAGE (empty; a prev slot may keep a stale pgd)
 *
 * A slot whose page is gone (freed while referenced: the lab's freed_page_referenced finding)
 * counts as a zombie: it holds something that is no longer a usable root.
 */
import { INVALID_PAGE } from './constants'
import { hpa_sp } from './state'
import type { kvm, kvm_mmu_root_info } from './types'

export const ROOT_SLOT_STATES = ['valid', 'obsolete', 'zombie', 'invalid_page'] as const
export type RootSlotState = (typeof ROOT_SLOT_STATES)[number]

/** Index of each state in ROOT_SLOT_STATES (the lanes' compact code). */
export const ROOT_SLOT_STATE_CODE: Record<RootSlotState, number> = { valid: 0, obsolete: 1, zombie: 2, invalid_page: 3 }

/** The state of slot `r` in `k` (see the file comment). */
export function root_slot_state(k: kvm, r: kvm_mmu_root_info): RootSlotState {
  if (r.hpa === INVALID_PAGE) return 'invalid_page'
  const sp = k.mmu_pages[hpa_sp(r.hpa)]
  if (!sp || sp.role.invalid) return 'zombie'
  return sp.mmu_valid_gen !== k.mmu_valid_gen ? 'obsolete' : 'valid'
}

/** root_slot_state() as its code (0 valid, 1 obsolete, 2 zombie, 3 invalid_page). */
export function root_slot_state_code(k: kvm, r: kvm_mmu_root_info): number {
  if (r.hpa === INVALID_PAGE) return 3
  const sp = k.mmu_pages[hpa_sp(r.hpa)]
  if (!sp || sp.role.invalid) return 2
  return sp.mmu_valid_gen !== k.mmu_valid_gen ? 1 : 0
}
