/**
 * Entry of an SQL host process: `child_process.fork` of the built `sql-host.js` (rootlab serve,
 * the CLI; the source under tsx in tests) or Electron's `utilityProcess.fork` (the desktop app).
 * It answers requests (protocol.ts) until its parent kills it or goes away.
 *
 * A query may keep this thread inside SQLite for good (a recursive CTE): the parent then kills
 * the process (SIGKILL) at the deadline. If the parent itself dies first, a watchdog thread
 * notices (the parent pid changes) and kills this process, so no orphan keeps running.
 */
import { Worker } from 'node:worker_threads'
import { createHostHandler } from './host'
import type { HostReply, HostRequest } from './protocol'

interface ParentPort {
  on(event: 'message', fn: (e: { data: unknown }) => void): void
  postMessage(m: unknown): void
}

/** Kills this process when its parent is gone (checked every 500 ms, off the main thread). */
function startWatchdog(): void {
  const code = `
    const { workerData } = require('node:worker_threads')
    const timer = setInterval(() => {
      if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL')
    }, 500)
  `
  const w = new Worker(code, { eval: true, workerData: process.ppid })
  w.unref()
}

function main(): void {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  let send: (m: HostReply) => void
  const handler = createHostHandler((m) => send(m))
  const onRequest = (m: unknown) => handler.handle(m as HostRequest)
  if (parentPort) {
    // Electron utility process.
    send = (m) => parentPort.postMessage(m)
    parentPort.on('message', (e) => onRequest(e.data))
  } else if (process.send) {
    send = (m) => void process.send!(m)
    process.on('message', onRequest)
    process.on('disconnect', () => process.exit(0))
  } else {
    process.stderr.write('rootlab: the SQL host must be started by Root Lab (no parent channel)\n')
    process.exit(2)
  }
  startWatchdog()
  send({ type: 'ready' })
}

main()
