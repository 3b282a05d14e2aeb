/**
 * The answers of stateAt kept near the cursor: the moment a step will show next, asked for while
 * the user looks at the current one, and the moments just shown (a step back after a step
 * forward). A recorded transition never changes, so an answer for (session, page scope, seq) is
 * good for as long as the session is open; the cache holds the answer's promise, so a step that
 * comes while its moment is still on its way waits for that request instead of sending another.
 *
 * A handful of entries (a state listing the root pages is a few KB): the least recently used is
 * dropped first.
 */
export class MomentCache<V> {
  private readonly entries = new Map<string, Promise<V>>()

  constructor(private readonly capacity: number) {}

  private static key(session: string, scope: string, seq: number): string {
    return `${session}\u0000${scope}\u0000${seq}`
  }

  /** The answer for the moment, if asked for already (it becomes the most recently used). */
  get(session: string, scope: string, seq: number): Promise<V> | undefined {
    const k = MomentCache.key(session, scope, seq)
    const p = this.entries.get(k)
    if (p) {
      this.entries.delete(k)
      this.entries.set(k, p)
    }
    return p
  }

  has(session: string, scope: string, seq: number): boolean {
    return this.entries.has(MomentCache.key(session, scope, seq))
  }

  set(session: string, scope: string, seq: number, answer: Promise<V>): void {
    const k = MomentCache.key(session, scope, seq)
    this.entries.delete(k)
    this.entries.set(k, answer)
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  /** Forgets the moment (its answer was an error: the next ask sends a new request). */
  delete(session: string, scope: string, seq: number): void {
    this.entries.delete(MomentCache.key(session, scope, seq))
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
