/**
 * A LabApi client over `rootlab serve`'s HTTP transport, for Node tests: requests with fetch,
 * events by reading /api/events as a stream of server-sent events. The renderer has its own
 * client (renderer/src/api/client.ts); this one holds the server to the same wire format.
 */
import type { LabEventName, LabEvents, LabRequestName, LabResult } from '../../api/contract'

export interface HttpLabClient {
  call(name: LabRequestName | string, args: unknown): Promise<LabResult<unknown>>
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
  /** Resolves once the event stream is connected (events before that are not seen). */
  connected(): Promise<void>
  close(): void
}

/** `token`: the server's (sent as `Authorization: Bearer`, as scripts do). */
export function createHttpLabClient(baseUrl: string, token: string): HttpLabClient {
  const authorization = `Bearer ${token}`
  const listeners = new Set<(event: string, payload: unknown) => void>()
  const abort = new AbortController()
  let ready: Promise<void> | null = null

  const connect = (): Promise<void> => {
    ready ??= (async () => {
      const res = await fetch(new URL('/api/events', baseUrl), { signal: abort.signal, headers: { authorization } })
      if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`)
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      void (async () => {
        let buf = ''
        try {
          for (;;) {
            const { value, done } = await reader.read()
            if (done) return
            buf += value
            let cut: number
            while ((cut = buf.indexOf('\n\n')) >= 0) {
              const block = buf.slice(0, cut)
              buf = buf.slice(cut + 2)
              const event = /^event: (.*)$/m.exec(block)?.[1]
              const data = /^data: (.*)$/m.exec(block)?.[1]
              if (event && data) for (const l of listeners) l(event, JSON.parse(data))
            }
          }
        } catch {
          // aborted on close
        }
      })()
    })()
    return ready
  }

  return {
    async call(name, args) {
      const res = await fetch(new URL(`/api/${name}`, baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(args),
      })
      return (await res.json()) as LabResult<unknown>
    },
    on(event, listener) {
      const l = (e: string, p: unknown) => {
        if (e === event) listener(p as LabEvents[typeof event])
      }
      listeners.add(l)
      void connect()
      return () => void listeners.delete(l)
    },
    connected: connect,
    close: () => abort.abort(),
  }
}
