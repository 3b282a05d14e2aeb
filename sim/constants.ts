/**
 * Constants of the KVM x86 MMU, with the kernel's names (Linux v5.18, see sim/README.md).
 */

/** arch/x86/include/asm/kvm_host.h: the number of cached previous roots per struct kvm_mmu. */
export const KVM_MMU_NUM_PREV_ROOTS = 3

/**
 * INVALID_PAGE is (~(hpa_t)0) in the kernel. The model uses -1 so it stays a safe integer in
 * JavaScript and in JSON; VALID_PAGE(x) is `x !== INVALID_PAGE`.
 */
export const INVALID_PAGE = -1

/** Root-flag bits for kvm_mmu_free_roots(): KVM_MMU_ROOT_CURRENT = BIT(0). */
export const KVM_MMU_ROOT_CURRENT = 1
/** KVM_MMU_ROOT_PREVIOUS(i) = BIT(1 + i). */
export const KVM_MMU_ROOT_PREVIOUS = (i: number): number => 1 << (1 + i)
/** KVM_MMU_ROOTS_ALL (~0UL in v5.18; the model only has four slots). */
export const KVM_MMU_ROOTS_ALL = 0xf

export const PAGE_SHIFT = 12
export const PAGE_SIZE = 1 << PAGE_SHIFT
/** Guest physical addresses are at most 52 bits (MAXPHYADDR). */
export const MAX_GPA = 2 ** 52

/** The root level of a 64-bit guest with 4-level paging (PT64_ROOT_4LEVEL). */
export const PT64_ROOT_4LEVEL = 4
/** PG_LEVEL_4K: the level of a shadow page that maps 4 KiB pages. */
export const PG_LEVEL_4K = 1

/** arch/x86/include/asm/kvm_host.h: make_mmu_pages_available() keeps this many pages free. */
export const KVM_MIN_FREE_MMU_PAGES = 5
/** ... and refills to this many when it recycles. */
export const KVM_REFILL_PAGES = 25
/** KVM_SET_NR_MMU_PAGES refuses less than this. */
export const KVM_MIN_ALLOC_MMU_PAGES = 64
/** mmu.c: detect_write_flooding() zaps a shadow page on the 3rd emulated write without a use. */
export const WRITE_FLOODING_THRESHOLD = 3

/**
 * Host physical address of a shadow page's page table (`__pa(sp->spt)`). The model gives shadow
 * page `id` the hpa SPT_HPA_BASE + id * PAGE_SIZE, so to_shadow_page() is arithmetic.
 */
export const SPT_HPA_BASE = 0x1_0000_0000

/** -ENOSPC, returned by make_mmu_pages_available() when nothing can be recycled. */
export const ENOSPC = 28

/** The vCPU limit of a session (KVM allows more; the lab draws up to 64). */
export const MAX_VCPUS = 64
