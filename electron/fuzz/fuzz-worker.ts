/**
 * Worker-thread entry of the fuzzer: one FuzzEngine (engine.ts) per thread, driven by the pool
 * (pool.ts).
 *
 * Protocol: workerData = { target: FuzzTarget, host: KernelHost | null }.
 * Parent -> worker: { id, task: FuzzTask }. Worker -> parent: { id, ok: true, result } or
 * { id, ok: false, error } (one line), one reply per task, in any order.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createEngine, type FuzzTarget } from './engine'
import type { KernelHost } from './kernel-oracle'
import { runTask, type TaskReply, type TaskRequest } from './pool'

function main(): void {
  const port = parentPort
  if (!port) throw new Error('fuzz-worker must run in a worker thread')
  const { target, host } = workerData as { target: FuzzTarget; host: KernelHost | null }
  const engine = createEngine(target, host ?? undefined)
  port.on('message', (m: TaskRequest) => {
    void runTask(engine, m.task).then(
      (result) => port.postMessage({ id: m.id, ok: true, result } satisfies TaskReply),
      (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) } satisfies TaskReply),
    )
  })
}

main()
