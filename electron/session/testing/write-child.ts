/**
 * Child process for tests that need a write to fail half-way (a full disk is simulated with
 * `ulimit -f`, SIGXFSZ ignored, so write(2) fails with EFBIG): argv[2] is a JSON command,
 *   {"do": "record", "out": FILE, "steps": N, "force": bool}   records process-churn, 4 vCPUs, seed 9
 *   {"do": "export", "src": FILE, "out": FILE, "format": "db" | "perfetto"}
 * ROOTLAB_WRITER_THREAD=1 records with the writer on its second thread.
 * It prints the result as JSON on stdout, or the error's message on stderr and exits 1.
 */
import { openSession, recordSession } from '../index'

const cmd = JSON.parse(process.argv[2]!) as { do: string; out: string; src?: string; steps?: number; force?: boolean; format?: string }
try {
  if (cmd.do === 'record') {
    const r = recordSession({
      source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: cmd.steps ?? 20_000, seed: 9 }, policy: 'free-obsolete',
      out: cmd.out, force: cmd.force ?? false,
      tuning: { commitTransitions: 5000, commitMs: 10, writerThread: process.env.ROOTLAB_WRITER_THREAD === '1' },
    })
    process.stdout.write(JSON.stringify(r))
  } else {
    const s = openSession(cmd.src!)
    try {
      process.stdout.write(JSON.stringify(cmd.format === 'db' ? s.exportDb(cmd.out) : s.exportPerfetto(cmd.out)))
    } finally {
      s.close()
    }
  }
} catch (e) {
  process.stderr.write(`${(e as Error).name}: ${(e as Error).message}\n`)
  process.exit(1)
}
