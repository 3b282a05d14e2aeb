import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { backgroundWork } from './idle'
import { lazyComponent, openLazyDialog } from './lazy'

describe('openLazyDialog', () => {
  it('fetches the chunk, mounts the dialog (shown), waits for its instance, then opens it', async () => {
    const order: string[] = []
    const component = lazyComponent(async () => {
      order.push('fetched')
      return { default: {} }
    })
    const shown = ref(false)
    const instance = ref<{ open: () => void } | null>(null)
    const opening = openLazyDialog(component, shown, instance)
    expect(backgroundWork.value).toBe(1) // the chunk on its way keeps the page from being idle
    await new Promise((r) => setTimeout(r, 0))
    expect(order).toEqual(['fetched'])
    expect(shown.value).toBe(true)
    // Vue sets the template ref once the dialog is mounted
    instance.value = { open: () => order.push('opened') }
    await opening
    expect(order).toEqual(['fetched', 'opened'])
    expect(backgroundWork.value).toBe(0)
  })

  it('opens an already mounted dialog at once, and again on every call', async () => {
    const component = lazyComponent(async () => ({ default: {} }))
    const shown = ref(true)
    let opened = 0
    const instance = ref({ open: () => { opened++ } })
    await openLazyDialog(component, shown, instance)
    await openLazyDialog(component, shown, instance)
    expect(opened).toBe(2)
  })

  it('rejects with the reason when the chunk cannot be fetched, and does not mount it', async () => {
    const component = lazyComponent(() => Promise.reject(new Error('Failed to fetch dynamically imported module')))
    const shown = ref(false)
    const instance = ref<{ open: () => void } | null>(null)
    await expect(openLazyDialog(component, shown, instance)).rejects.toThrow(/Failed to fetch/)
    await nextTick()
    expect(shown.value).toBe(false)
    expect(backgroundWork.value).toBe(0)
  })
})
