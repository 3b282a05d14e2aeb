/**
 * Components the first frame does not show (the bottom panel's tabs other than the log): each in
 * a chunk of its own, so the page's first script is smaller, and fetched once the page is idle
 * after booting, so that opening one does not wait for it.
 *
 * A chunk on its way counts as background work (lib/idle.ts): the page is not "idle" while a
 * panel it is about to show has not arrived.
 */
import { defineAsyncComponent, type Component } from 'vue'
import { backgroundWork } from './idle'

const loaders: (() => Promise<unknown>)[] = []

/** A component loaded on first use (or by preloadLazyComponents). */
export function lazyComponent(load: () => Promise<{ default: Component }>): Component {
  const counted = async (): Promise<{ default: Component }> => {
    backgroundWork.value++
    try {
      return await load()
    } finally {
      backgroundWork.value--
    }
  }
  loaders.push(counted)
  return defineAsyncComponent(counted)
}

/** Fetches every lazy component's chunk when the browser is next idle. */
export function preloadLazyComponents(): void {
  const run = (): void => {
    // a failure is not reported here: opening the tab loads the chunk, and reports it, itself
    for (const load of loaders) void load().catch(() => undefined)
  }
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 1000 })
  else setTimeout(run, 100)
}
