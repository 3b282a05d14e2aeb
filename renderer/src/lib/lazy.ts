/**
 * Components the first frame does not show (the bottom panel's tabs other than the log): each in
 * a chunk of its own, so the page's first script is smaller, and fetched once the page is idle
 * after booting, so that opening one does not wait for it.
 *
 * A chunk on its way counts as background work (lib/idle.ts): the page is not "idle" while a
 * panel it is about to show has not arrived.
 */
import { defineAsyncComponent, watch, type Component, type Ref } from 'vue'
import { backgroundWork } from './idle'

const loaders: (() => Promise<unknown>)[] = []
/** Each lazy component's loader, for openLazyDialog. */
const loaderOf = new WeakMap<Component, () => Promise<unknown>>()

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
  const component = defineAsyncComponent(counted)
  loaderOf.set(component, counted)
  return component
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

/**
 * Opens `component`, a lazyComponent dialog mounted on first use: its chunk is fetched (if the
 * idle preload has not already), `shown` (the v-if that mounts it) turns true for good, and the
 * dialog's `open()` is called once its instance is in `instance` (its template ref: a ref on an
 * async component reaches the component it loads). Rejects, naming why, if the chunk cannot be
 * fetched. Dialogs are not part of the first render: their setup, and the re-renders a session
 * change gave them while closed, were part of a fresh page's first frame.
 */
export async function openLazyDialog<I extends { open: () => unknown }>(
  component: Component, shown: Ref<boolean>, instance: Ref<I | null>,
): Promise<void> {
  await loaderOf.get(component)?.()
  shown.value = true
  const dialog = instance.value ?? await new Promise<I>((resolve) => {
    const stop = watch(instance, (i) => {
      if (!i) return
      stop()
      resolve(i)
    })
  })
  await dialog.open()
}
