/**
 * The fuzzer's executors: a pool of worker threads (fuzz-worker.ts), one task at a time each, or
 * one inline executor on this thread (tests). Tasks are plain data, so whichever executor runs
 * one gives the same result.
 */
import { Worker } from 'node:worker_threads'
import { resolveWorker } from '../service/worker-script'
import { createEngine, type Found, type FuzzEngine, type FuzzTarget, type Shrunk } from './engine'
import type { KernelHost } from './kernel-oracle'

export type FuzzTask =
  | { type: 'run'; indexes: number[] }
  | { type: 'shrink'; index: number; signature: string }

export type TaskResult = { type: 'run'; found: Found[]; runs: number } | { type: 'shrink'; shrunk: Shrunk }

export interface TaskRequest {
  id: number
  task: FuzzTask
}
export type TaskReply = { id: number; ok: true; result: TaskResult } | { id: number; ok: false; error: string }

/** Runs one task on an engine. */
export async function runTask(engine: FuzzEngine, task: FuzzTask): Promise<TaskResult> {
  if (task.type === 'run') return { type: 'run', found: await engine.run(task.indexes), runs: task.indexes.length }
  return { type: 'shrink', shrunk: await engine.shrink(task.index, task.signature) }
}

export interface Executor {
  run(task: FuzzTask): Promise<TaskResult>
  close(): Promise<void>
}

/** Runs tasks on this thread. */
export function inlineExecutor(target: FuzzTarget, host?: KernelHost): Executor {
  const engine = createEngine(target, host)
  return { run: (task) => runTask(engine, task), close: async () => {} }
}

/** Runs tasks in a worker thread of its own. A worker that dies fails its task with one line. */
export function workerExecutor(target: FuzzTarget, host?: KernelHost): Executor {
  const { filename, options } = resolveWorker('fuzz-worker', 'electron/fuzz', import.meta.url)
  const worker = new Worker(filename, { ...options, workerData: { target, host: host ?? null } })
  const pending = new Map<number, { resolve: (r: TaskResult) => void; reject: (e: Error) => void }>()
  let next = 1
  let dead: Error | null = null
  const failAll = (e: Error): void => {
    dead = e
    for (const p of pending.values()) p.reject(e)
    pending.clear()
  }
  worker.on('message', (m: TaskReply) => {
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    if (m.ok) p.resolve(m.result)
    else p.reject(new Error(m.error))
  })
  worker.on('error', (e) => failAll(new Error(`a fuzz worker failed: ${e.message}`)))
  worker.on('exit', (code) => failAll(new Error(`a fuzz worker stopped (exit code ${code})`)))
  return {
    run(task) {
      if (dead) return Promise.reject(dead)
      const id = next++
      return new Promise<TaskResult>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, task } satisfies TaskRequest)
      })
    },
    async close() {
      worker.removeAllListeners('exit')
      await worker.terminate()
    },
  }
}
