/**
 * GET /api/events: the service's pushed events as server-sent events, one named event per
 * LabEvent (`event: recordingProgress` + `data: <json>`), which the renderer's EventSource
 * subscribes to by name.
 *
 * Every event carries an `id:`. The last REPLAY_EVENTS events are kept, and a browser that
 * reconnects (EventSource does so by itself, sending `Last-Event-ID`) is sent the ones it missed,
 * so a `recordingFinished` pushed while its stream was down is not lost.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { LabService } from '../service/lab-service'

/** Seconds between keep-alive comments, so idle proxies and browsers keep the stream. */
const HEARTBEAT_MS = 15_000
/** Events kept for reconnecting clients. */
const REPLAY_EVENTS = 256

export interface EventStreams {
  /** Takes over a request as an event stream until the client goes away. */
  attach(req: IncomingMessage, res: ServerResponse): void
  /** Ends every stream (server shutdown). */
  closeAll(): void
}

interface Sent {
  id: number
  text: string
}

export function createEventStreams(service: LabService): EventStreams {
  const open = new Set<ServerResponse>()
  const recent: Sent[] = []
  let nextId = 1
  service.onAny((event, payload) => {
    const sent = { id: nextId++, text: `event: ${event}\ndata: ${JSON.stringify(payload)}\n` }
    recent.push(sent)
    if (recent.length > REPLAY_EVENTS) recent.shift()
    for (const res of open) res.write(`id: ${sent.id}\n${sent.text}\n`)
  })
  return {
    attach(req, res) {
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      })
      res.write('retry: 1000\n\n')
      const last = Number(req.headers['last-event-id'])
      if (Number.isInteger(last) && last > 0) {
        for (const sent of recent) if (sent.id > last) res.write(`id: ${sent.id}\n${sent.text}\n`)
      }
      open.add(res)
      const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS)
      beat.unref()
      const stop = () => {
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
