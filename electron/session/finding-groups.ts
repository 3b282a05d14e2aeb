/**
 * The findings grouped by the shadow page they name, and, for a page that became a zombie (a
 * root zapped while a root slot still held it: invalid, off active_mmu_pages, yet alive because
 * root_count > 0), its lifetime:
 *
 *   zapped_at    the kvm_mmu_prepare_zap_page that zapped it in use (root_count > 0, still valid);
 *                __kvm_mmu_prepare_zap_page() leaves such a page counted in n_used_mmu_pages;
 *   evicted_at   the mmu_free_root_page that dropped its last reference (root_count 0): under
 *                v5.18.0 usually the LRU rotation of fast_pgd_switch evicting the prev root;
 *   uncounted_at the second kvm_mmu_prepare_zap_page (reason free_root), where n_used_mmu_pages
 *                finally drops it;
 *   freed_at     kvm_mmu_free_page.
 *
 * A zombie keeps exactly one page counted in n_used_mmu_pages (itself: the zap unlinked its
 * children, which stay counted on their own), for `counted` transitions (zapped_at to
 * uncounted_at); `reports` is how many handled requests re-reported it (its findings: each
 * KVM_REQ_MMU_FREE_OBSOLETE_ROOTS a vCPU handled while keeping it is one obsolete_root_kept).
 * `peak` is the most zombies counted in n_used_mmu_pages at one moment.
 *
 * One pass over the chunks (zap, free-root and free-page transitions of the pages findings
 * name), yielding to the event loop between slices so the process stays responsive.
 */
import type Database from 'better-sqlite3'
import type { ChunkStore } from './store'
import { chunkCount } from './summary'
import { KIND_INDEX } from './codec'
import type { FindingGroup, FindingGroups } from './results'

const SLICE_MS = 40
const KINDS = new Set(['kvm_mmu_prepare_zap_page', 'mmu_free_root_page', 'kvm_mmu_free_page'].map((k) => KIND_INDEX[k]!))

interface Row { sp: number | null; n: number; first: number; last: number; reports: number; vcpus: string | null }

/** Groups of the findings of the session (see the header). */
export async function findingGroups(db: Database.Database, store: ChunkStore, signal?: AbortSignal): Promise<FindingGroups> {
  const page = 'CASE WHEN sp > 0 THEN sp END'
  const rows = db.prepare(`
    SELECT ${page} AS sp, count(*) AS n, min(seq) AS first, max(seq) AS last,
           sum(rule = 'obsolete_root_kept') AS reports, group_concat(DISTINCT vcpu) AS vcpus
    FROM findings GROUP BY 1 ORDER BY first`).all() as Row[]
  const rules = db.prepare(`SELECT ${page} AS sp, rule, count(*) AS n FROM findings GROUP BY 1, 2`).all() as
    { sp: number | null; rule: string; n: number }[]
  const groups: FindingGroup[] = rows.map((r) => ({
    sp: r.sp, findings: r.n, rules: {}, reports: r.reports, first_seq: r.first, last_seq: r.last,
    vcpus: (r.vcpus ?? '').split(',').filter(Boolean).map(Number).sort((a, b) => a - b),
    zapped_at: null, evicted_at: null, evicted_from: null, uncounted_at: null, freed_at: null, counted: null,
  }))
  const key = (sp: number | null) => sp ?? 0
  const byKey = new Map(groups.map((g) => [key(g.sp), g]))
  for (const r of rules) byKey.get(key(r.sp))!.rules[r.rule] = r.n
  const bySp = new Map<number, FindingGroup>()
  for (const g of groups) if (g.sp !== null) bySp.set(g.sp, g)
  if (bySp.size === 0) return { groups, zombies: 0, peak: null }

  let deadline = performance.now() + SLICE_MS
  for (let i = 0; i < store.chunks.length; i++) {
    const c = store.chunks[i]!
    if (chunkCount(c, { kinds: KINDS }) === 0) continue
    for (const t of store.decode(i)) {
      if (!KINDS.has(KIND_INDEX[t.kind]!)) continue
      const g = bySp.get((t as unknown as { sp: number }).sp)
      if (!g) continue
      if (t.kind === 'kvm_mmu_prepare_zap_page') {
        if (g.zapped_at === null && t.root_count > 0 && !t.invalid) g.zapped_at = t.seq
        else if (g.zapped_at !== null && g.uncounted_at === null && t.invalid && t.root_count === 0) g.uncounted_at = t.seq
      } else if (t.kind === 'mmu_free_root_page') {
        if (g.zapped_at !== null && g.evicted_at === null && t.root_count === 0 && t.vcpu !== null) {
          g.evicted_at = t.seq
          g.evicted_from = { vcpu: t.vcpu, slot: t.slot }
        }
      } else if (g.freed_at === null) g.freed_at = t.seq
    }
    if (performance.now() > deadline) {
      await new Promise((r) => setImmediate(r))
      if (signal?.aborted) throw new Error('grouping the findings was cancelled')
      deadline = performance.now() + SLICE_MS
    }
  }

  // How long each zombie stayed counted, and the most counted at once (a sweep over the intervals).
  const events: [number, number][] = []
  let zombies = 0
  for (const g of bySp.values()) {
    if (g.zapped_at === null) continue
    zombies++
    const end = g.uncounted_at ?? store.total + 1
    g.counted = end - g.zapped_at
    events.push([g.zapped_at, 1], [end, -1])
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  let now = 0
  let peak: { count: number; seq: number } | null = null
  for (const [seq, d] of events) {
    now += d
    if (d > 0 && (peak === null || now > peak.count)) peak = { count: now, seq }
  }
  return { groups, zombies, peak }
}
