/**
 * useSqlStore: the SQL console's query (kept across reloads in localStorage), the query running
 * (with its id, for Cancel, and its elapsed time), its result or error, the deadline, and the
 * tables the session's SQL offers. The query itself runs in the Node side's SQL host, a process
 * killed at the deadline or on Cancel (electron/sqlhost): the page never waits on SQLite.
 */
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import type { SqlResult, SqlTableInfo } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useSessionStore } from './session'

export const DEFAULT_QUERY = `-- every zap of a root page that more than one slot held
SELECT seq, vcpu, sp, gfn, root_count, reason
FROM transitions
WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1
LIMIT 200`

/** Deadlines the console offers (ms); the API allows up to 10 minutes. */
export const DEADLINES = [2000, 10_000, 60_000, 300_000] as const

const QUERY_KEY = 'rootlab.sql.query'
const DEADLINE_KEY = 'rootlab.sql.deadline'
const HEX_KEY = 'rootlab.sql.hex'

/** localStorage, or nothing where it is not available (a sandboxed or private page). */
function stored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}

function store(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // Not kept across reloads then; nothing else depends on it.
  }
}

export const useSqlStore = defineStore('sql', () => {
  const session = useSessionStore()
  const query = ref(stored(QUERY_KEY) ?? DEFAULT_QUERY)
  const result = shallowRef<SqlResult | null>(null)
  const error = ref<string | null>(null)
  const running = ref(false)
  /** Milliseconds since the running query started (ticks while it runs). */
  const elapsed = ref(0)
  const deadline = ref<number>(DEADLINES.includes(Number(stored(DEADLINE_KEY)) as never) ? Number(stored(DEADLINE_KEY)) : DEADLINES[0])
  /** Show integer addresses (gfn, pgd, gva, cr3, hpa) in hex. */
  const hexAddresses = ref(stored(HEX_KEY) !== '0')
  const tables = shallowRef<SqlTableInfo[]>([])
  const tablesError = ref<string | null>(null)
  let runningId: string | null = null
  let runningSession: string | null = null
  let ticker: ReturnType<typeof setInterval> | null = null
  let nextId = 1

  watch(() => session.id, (id, old) => {
    if (id !== old) reset()
  })
  watch(query, (q) => store(QUERY_KEY, q))
  watch(deadline, (d) => store(DEADLINE_KEY, String(d)))
  watch(hexAddresses, (h) => store(HEX_KEY, h ? '1' : '0'))

  function setQuery(q: string): void {
    query.value = q
  }

  function stopTicker(): void {
    if (ticker) clearInterval(ticker)
    ticker = null
  }

  async function run(): Promise<void> {
    const sid = session.id
    const text = query.value.trim()
    if (!sid || !text || running.value) return
    const id = `q${Date.now().toString(36)}-${nextId++}`
    runningId = id
    runningSession = sid
    running.value = true
    error.value = null
    const started = performance.now()
    elapsed.value = 0
    ticker = setInterval(() => (elapsed.value = performance.now() - started), 100)
    try {
      const r = await lab().sqlQuery({ session: sid, sql: text, limit: 1000, timeoutMs: deadline.value, id })
      if (runningId !== id || session.id !== sid) return
      if (r.ok) {
        result.value = r.value
        error.value = null
      } else {
        result.value = null
        error.value = r.error
      }
    } finally {
      if (runningId === id) {
        elapsed.value = performance.now() - started
        running.value = false
        runningId = null
        runningSession = null
        stopTicker()
      }
    }
  }

  /** Stops the running query (its process is killed); its result is the "cancelled" error. */
  async function cancel(): Promise<void> {
    if (!runningId || !runningSession) return
    await lab().cancelSql({ session: runningSession, id: runningId })
  }

  async function loadTables(): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().sqlTables({ session: sid })
    if (session.id !== sid) return
    if (r.ok) {
      tables.value = r.value
      tablesError.value = null
    } else tablesError.value = r.error
  }

  /** A new session: the old one's result and tables no longer apply (the query text stays). */
  function reset(): void {
    void cancel()
    runningId = null
    runningSession = null
    running.value = false
    stopTicker()
    result.value = null
    error.value = null
    tables.value = []
    tablesError.value = null
  }

  return {
    query, result, error, running, elapsed, deadline, hexAddresses, tables, tablesError,
    setQuery, run, cancel, loadTables, reset,
  }
})
