/**
 * The continues (findWatch) running in the service: each with a caller-chosen `search` id gets an
 * AbortController (cancelWatchFind) and reports watchProgress events, at most every
 * PROGRESS_MS. The search itself yields to the event loop while it scans (watch-find.ts), so
 * the cancel request is served while it runs.
 */
import type { LabArgs, LabEvents, LabResults } from '../api/contract'
import { LabError } from './errors'
import type { SessionHandle } from './session-port'
import type { WhereStarter } from '../session/watch-find'

export const PROGRESS_MS = 100

export interface WatchSearches {
  run(handle: SessionHandle, a: LabArgs<'findWatch'>, where?: WhereStarter): Promise<LabResults['findWatch']>
  /** Stops a running search; false if there is none with that id. */
  cancel(search: string): boolean
  /** Stops every running search (the service is closing). */
  cancelAll(): void
}

export function createWatchSearches(emit: (e: 'watchProgress', p: LabEvents['watchProgress']) => void): WatchSearches {
  const running = new Map<string, AbortController>()
  return {
    async run(handle, a, where) {
      const ctl = new AbortController()
      const id = a.search
      if (id !== undefined) {
        if (running.has(id)) throw new LabError(`a search with id "${id}" is already running`)
        running.set(id, ctl)
      }
      try {
        const total = handle.info().transitions
        const span = a.direction === 'next' ? total - a.from : a.from - 1
        let last = 0
        const onProgress = id === undefined ? undefined : (reached: number) => {
          const now = performance.now()
          if (now - last < PROGRESS_MS) return
          last = now
          const fraction = span > 0 ? Math.min(1, Math.max(0, Math.abs(reached - a.from) / span)) : 1
          emit('watchProgress', { search: id, reached, fraction })
        }
        return await handle.findWatches(a.watches, a.from, a.direction, { signal: ctl.signal, onProgress, where })
      } finally {
        if (id !== undefined) running.delete(id)
      }
    },
    cancel(search) {
      const ctl = running.get(search)
      ctl?.abort()
      return ctl !== undefined
    },
    cancelAll() {
      for (const ctl of running.values()) ctl.abort()
    },
  }
}
