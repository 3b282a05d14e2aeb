/**
 * Emulated guest writes to write-protected page-table pages: paging_tmpl.h
 * page_fault_handle_page_track() + shadow_page_table_clear_flood(), then mmu.c
 * kvm_mmu_pte_write() with detect_write_flooding().
 */
import { emit, type Ctx } from '../context'
import { PG_LEVEL_4K, WRITE_FLOODING_THRESHOLD } from '../constants'
import { to_shadow_page } from '../state'
import { gfn_valid_pages, gfn_write_tracked } from './page'
import { kvm_mmu_commit_zap_page, kvm_mmu_prepare_zap_page, type InvalidList } from './zap'

/**
 * A guest write (aligned, 8 bytes) by `vcpu` to guest frame `gfn`.
 *
 * Only a write-tracked gfn (one that a valid indirect shadow page above level 1 shadows) traps; any
 * other write goes straight to guest memory (or, for a level-1 page, unsyncs it: not modelled) and
 * KVM sees nothing.
 * A trapped write is a page fault that page_fault_handle_page_track() turns into emulation, after
 * shadow_page_table_clear_flood() reset the flooding count of the pages on the faulting vCPU's
 * walk. The walk always starts at the vCPU's current root, so a vCPU's writes to the page of its
 * own current root never flood it; the lab does not know the written address, so it clears the
 * root only. Then kvm_mmu_pte_write(): ++mmu_pte_write, and each valid page of the gfn at level
 * >= 2 counts the write; the 3rd without an intervening use zaps it (++mmu_flooded). The lab's
 * writes are aligned, so detect_write_misaligned() never fires; writes to leaf SPTEs are not modelled.
 */
export function guest_pt_write(ctx: Ctx, vcpu: number, gfn: number, host: PtWriteHost = UPSTREAM_PT_WRITE): void {
  const k = ctx.kvm
  if (!gfn_write_tracked(k, gfn)) return
  const v = k.vcpus[vcpu]!
  if (v.in_guest) emit(ctx, { seq: 0, op: 0, kind: 'kvm_exit', vcpu, reason: 'pt_write' })
  const root = to_shadow_page(k, v.root_mmu.root.hpa)
  if (host.clear_flood && root && root.write_flooding_count !== 0) {
    emit(ctx, { seq: 0, op: 0, kind: 'clear_sp_write_flooding_count', vcpu, sp: root.sp })
  }
  kvm_mmu_pte_write(ctx, vcpu, gfn)
}

/**
 * How a host handles a trapped page-table write. The model is upstream: the fault path's
 * shadow_page_table_clear_flood() runs first. A host without it (the PVM-based hosts the project
 * runs on, docs/real-kvm.md) is described by { clear_flood: false }; that variant exists only to
 * classify real-kernel differences, never to record a session.
 */
export interface PtWriteHost {
  clear_flood: boolean
}
export const UPSTREAM_PT_WRITE: PtWriteHost = { clear_flood: true }

/** mmu.c kvm_mmu_pte_write() for an aligned 8-byte write. */
function kvm_mmu_pte_write(ctx: Ctx, vcpu: number, gfn: number): void {
  const k = ctx.kvm
  if (!k.indirect_shadow_pages) return
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_pte_write', vcpu, gfn })
  const invalid_list: InvalidList = []
  for (const sp of gfn_valid_pages(k, gfn)) {
    // detect_write_flooding(): "Skip write-flooding detected for the sp whose level is 1".
    if (sp.role.level === PG_LEVEL_4K) continue
    emit(ctx, { seq: 0, op: 0, kind: 'detect_write_flooding', vcpu, sp: sp.sp, write_flooding_count: sp.write_flooding_count + 1 })
    if (sp.write_flooding_count >= WRITE_FLOODING_THRESHOLD) {
      kvm_mmu_prepare_zap_page(ctx, vcpu, sp, invalid_list, 'flooded')
    }
  }
  kvm_mmu_commit_zap_page(ctx, vcpu, invalid_list)
}
