/**
 * A window of rows over a very long list that lives on the other side of the LabApi: rows are
 * fetched a page at a time as they come into view and at most `maxPages` pages are kept, the
 * pages farthest from the last one asked for being dropped first. So a million-row log never
 * holds more than a few thousand rows.
 */
import { shallowRef, triggerRef } from 'vue'

/** Fetches `limit` rows from row index `index`; null on error. */
export type PageFetcher<T> = (index: number, limit: number) => Promise<T[] | null>

export class RowWindow<T> {
  private pages = new Map<number, T[]>()
  private loading = new Set<number>()
  private generation = 0
  private lastPage = 0
  /** Bumped whenever a page arrives, so views re-render. */
  readonly version = shallowRef(0)

  constructor(
    private fetchPage: PageFetcher<T>,
    readonly pageSize = 100,
    readonly maxPages = 40,
  ) {}

  /** The row at `index` if its page is loaded; otherwise starts loading it and returns undefined. */
  get(index: number): T | undefined {
    const p = Math.floor(index / this.pageSize)
    this.lastPage = p
    const page = this.pages.get(p)
    if (page) return page[index - p * this.pageSize]
    void this.load(p)
    return undefined
  }

  /** Loads the pages covering [from, to] (row indexes). */
  async ensure(from: number, to: number): Promise<void> {
    const a = Math.floor(Math.max(0, from) / this.pageSize)
    const b = Math.floor(Math.max(0, to) / this.pageSize)
    this.lastPage = a
    const all: Promise<void>[] = []
    for (let p = a; p <= b; p++) if (!this.pages.has(p)) all.push(this.load(p))
    await Promise.all(all)
  }

  private async load(p: number): Promise<void> {
    if (this.loading.has(p)) return
    this.loading.add(p)
    const gen = this.generation
    try {
      const rows = await this.fetchPage(p * this.pageSize, this.pageSize)
      if (gen !== this.generation || !rows) return
      this.pages.set(p, rows)
      this.evict()
      this.version.value++
      triggerRef(this.version)
    } finally {
      if (gen === this.generation) this.loading.delete(p)
    }
  }

  private evict(): void {
    if (this.pages.size <= this.maxPages) return
    const byDistance = [...this.pages.keys()].sort((x, y) => Math.abs(y - this.lastPage) - Math.abs(x - this.lastPage))
    for (const p of byDistance) {
      if (this.pages.size <= this.maxPages) break
      this.pages.delete(p)
    }
  }

  /** Drops every page (the filter or the session changed). */
  reset(): void {
    this.generation++
    this.pages.clear()
    this.loading.clear()
    this.version.value++
  }

  /** Number of pages held (for tests and the memory budget). */
  get size(): number {
    return this.pages.size
  }
}
