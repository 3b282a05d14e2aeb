/**
 * GET /api/events: the service's pushed events as server-sent events, one named event per
 * LabEvent (`event: recordingProgress` + `data: <json>`), which the renderer's EventSource
 * subscribes to by name.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LabService } from '../service/lab-service'

/** Seconds between keep-alive comments, so idle proxies and browsers keep the stream. */
const HEARTBEAT_MS = 15_000

export interface EventStreams {
  /** Takes over a request as an event stream until the client goes away. */
  attach(req: IncomingMessage, res: ServerResponse): void
  /** Ends every stream (server shutdown). */
  closeAll(): void
}

export function createEventStreams(service: LabService): EventStreams {
  const open = new Set<ServerResponse>()
  return {
    attach(req, res) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      })
      res.write('retry: 1000\n\n')
      open.add(res)
      const off = service.onAny((event, payload) => {
        res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
      })
      const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
      beat.unref()
      const stop = () => {
        off()
        clearInterval(beat)
        open.delete(res)
      }
      req.on('close', stop)
      res.on('close', stop)
    },
    closeAll() {
      for (const res of open) res.end()
      open.clear()
    },
  }
}
