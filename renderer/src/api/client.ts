/**
 * The renderer's LabApi client: one typed function per request of the contract, over a bridge.
 *
 * Two bridges exist. In Electron the preload exposes `window.lab` (IPC). In a browser served by
 * `rootlab serve`, requests are `POST /api/<name>` with the JSON args as body and a JSON
 * `LabResult` as answer, and pushed events arrive as server-sent events on `GET /api/events`.
 * Both carry the server's token as the cookie it set when the page was loaded from the printed
 * URL (electron/server/auth.ts; ./page-token.ts removes the token from the address bar).
 *
 * The contract is imported as types only: the renderer never bundles valibot or Node code.
 */
import type {
  LabClient, LabEventName, LabEvents, LabRequestName, LabResult,
} from '../../../electron/api/contract'

/** The transport under a LabClient: what the Electron preload exposes as `window.lab`. */
export interface LabBridge {
  /** Sends request `name`; resolves with the request's LabResult (never rejects for API errors). */
  invoke(name: string, args: unknown): Promise<LabResult<unknown>>
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void
  platform: 'electron' | 'web'
  /**
   * Resolves once pushed events subscribed so far are being delivered (the HTTP bridge's event
   * stream is open), so a request whose events follow at once (startRecording) loses none.
   * Absent: events are delivered from the moment `on` returns (Electron IPC).
   */
  ready?(): Promise<void>
}

/** The subset of EventSource the web bridge uses (injectable for tests). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (e: { data: string }) => void): void
  removeEventListener(type: string, listener: (e: { data: string }) => void): void
  close(): void
  /** 1 once open (EventSource.OPEN). */
  readonly readyState?: number
}

export interface HttpBridgeOptions {
  /** Origin and path prefix of the server, '' for the page's own origin. */
  base?: string
  fetch?: typeof fetch
  eventSource?: (url: string) => EventSourceLike
}

/** A bridge over `rootlab serve`'s HTTP transport. The event stream opens on the first `on`. */
export function httpBridge(options: HttpBridgeOptions = {}): LabBridge {
  const base = options.base ?? ''
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init))
  const makeSource = options.eventSource ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike)
  let source: EventSourceLike | null = null
  let opened: Promise<void> | null = null
  let listeners = 0
  /** How long ready() waits for the stream before giving up (events may then be missed). */
  const READY_TIMEOUT_MS = 5000

  return {
    platform: 'web',
    async invoke(name, args) {
      let res: Response
      try {
        res = await doFetch(`${base}/api/${name}`, {
          method: 'POST',
          // The token cookie; same-origin is fetch's default, stated because the API needs it.
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(args ?? {}),
        })
      } catch (e) {
        return { ok: false, error: `${name}: the Root Lab server did not answer (${errorText(e)})` }
      }
      const text = await res.text()
      try {
        const parsed = JSON.parse(text) as LabResult<unknown>
        if (parsed && typeof parsed === 'object' && 'ok' in parsed) return parsed
      } catch {
        // fall through: not a LabResult
      }
      return { ok: false, error: `${name}: HTTP ${res.status} ${text.slice(0, 200)}` }
    },
    ready() {
      const s = source
      if (!s || s.readyState === 1 || !opened) return Promise.resolve()
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<void>((r) => { timer = setTimeout(r, READY_TIMEOUT_MS) })
      return Promise.race([opened, late]).finally(() => clearTimeout(timer))
    },
    on(event, listener) {
      if (!source) {
        const s = makeSource(`${base}/api/events`)
        source = s
        opened = new Promise<void>((resolve) => {
          const onOpen = (): void => {
            s.removeEventListener('open', onOpen)
            resolve()
          }
          s.addEventListener('open', onOpen)
        })
      }
      const handler = (e: { data: string }): void => {
        try {
          listener(JSON.parse(e.data))
        } catch {
          // a malformed event is dropped; the stream goes on
        }
      }
      source.addEventListener(event, handler)
      listeners++
      return () => {
        source?.removeEventListener(event, handler)
        if (--listeners === 0) {
          source?.close()
          source = null
          opened = null
        }
      }
    },
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** The Electron preload's bridge if there is one, else the HTTP bridge of the page's origin. */
export function detectBridge(win: { lab?: unknown } = globalThis as { lab?: unknown }): LabBridge {
  const lab = win.lab as Partial<LabBridge> | undefined
  if (lab && typeof lab.invoke === 'function' && typeof lab.on === 'function') {
    return { invoke: lab.invoke.bind(lab), on: lab.on.bind(lab), platform: 'electron' }
  }
  return httpBridge()
}

/** Hooks called around every request (the idle signal counts pending requests with them). */
export interface ClientHooks {
  onStart?(name: LabRequestName): void
  onEnd?(name: LabRequestName): void
}

/**
 * A typed LabClient over `bridge`: `client.stateAt({ session, seq })` sends request "stateAt".
 * A bridge that throws is turned into `{ ok: false, error }`, so callers handle one shape.
 */
export function createClient(bridge: LabBridge, hooks: ClientHooks = {}): LabClient {
  const call = async (name: LabRequestName, args: unknown): Promise<LabResult<unknown>> => {
    hooks.onStart?.(name)
    try {
      return await bridge.invoke(name, args)
    } catch (e) {
      return { ok: false, error: `${name}: ${errorText(e)}` }
    } finally {
      hooks.onEnd?.(name)
    }
  }
  const on = <E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): (() => void) =>
    bridge.on(event, listener as (payload: unknown) => void)
  return new Proxy({} as LabClient, {
    get(_target, prop) {
      if (prop === 'on') return on
      if (typeof prop !== 'string' || prop === 'then') return undefined
      return (args: unknown) => call(prop as LabRequestName, args)
    },
  })
}

/** Error thrown by `unwrap` when a LabResult is not ok; `message` is the API's readable error. */
export class LabError extends Error {
  override name = 'LabError'
}

/** The value of an ok result; throws LabError with the readable message otherwise. */
export function unwrap<T>(r: LabResult<T>): T {
  if (r.ok) return r.value
  throw new LabError(r.error)
}
