/**
 * A fake LabApi bridge for store tests: answers requests from handlers, records the calls, and
 * can hold answers back to test ordering.
 */
import type { LabResult } from '../../electron/api/contract'
import type { LabBridge } from './api/client'

export type Handler = (args: Record<string, unknown>) => unknown

export interface FakeBridge extends LabBridge {
  calls: { name: string; args: Record<string, unknown> }[]
  /** Handlers by request name; the value is returned as { ok: true, value }. */
  handlers: Record<string, Handler>
  /** Emits a pushed event. */
  emit(event: string, payload: unknown): void
  /** When set, answers wait for release(). */
  hold: boolean
  release(): void
  /** Releases the held answers in the given order of their call index. */
  releaseInOrder(order: number[]): Promise<void>
}

export function fakeBridge(handlers: Record<string, Handler> = {}): FakeBridge {
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const held: { index: number; resolve: () => void }[] = []
  const bridge: FakeBridge = {
    platform: 'web',
    calls: [],
    handlers,
    hold: false,
    async invoke(name, args) {
      const index = bridge.calls.length
      bridge.calls.push({ name, args: args as Record<string, unknown> })
      if (bridge.hold) await new Promise<void>((resolve) => held.push({ index, resolve }))
      const h = bridge.handlers[name]
      if (!h) return { ok: false, error: `${name}: not handled by the fake` } as LabResult<unknown>
      try {
        const value = await h(args as Record<string, unknown>)
        if (value && typeof value === 'object' && 'ok' in value) return value as LabResult<unknown>
        return { ok: true, value }
      } catch (e) {
        return { ok: false, error: (e as Error).message }
      }
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set()
      set.add(listener)
      listeners.set(event, set)
      return () => set.delete(listener)
    },
    emit(event, payload) {
      for (const l of listeners.get(event) ?? []) l(payload)
    },
    release() {
      bridge.hold = false
      for (const h of held.splice(0)) h.resolve()
    },
    async releaseInOrder(order) {
      for (const i of order) {
        const k = held.findIndex((h) => h.index === i)
        if (k >= 0) held.splice(k, 1)[0]!.resolve()
        await new Promise((r) => setTimeout(r, 0))
      }
    },
  }
  return bridge
}

/** Lets pending promise callbacks run. */
export const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))
