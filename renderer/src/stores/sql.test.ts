import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { installBridge, setLab } from '../api/lab'
import { isAddressColumn, isSeqColumn, sqlCell } from '../lib/sql-cells'
import { fakeBridge, type FakeBridge } from '../test-support'
import { useSessionStore } from './session'
import { DEFAULT_QUERY, useSqlStore } from './sql'

const INFO = { session: 's1', path: '/tmp/a.rootlab', transitions: 1000, vcpus: 2, policy: 'free-obsolete' }
let bridge: FakeBridge

/** A localStorage for the node test environment (the store reads and writes it). */
function memoryStorage(): Storage {
  const m = new Map<string, string>()
  return {
    get length() { return m.size },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  }
}

beforeEach(async () => {
  ;(globalThis as { localStorage?: Storage }).localStorage = memoryStorage()
  setActivePinia(createPinia())
  setLab(null)
  bridge = fakeBridge({ openDefaultSession: () => INFO })
  installBridge(bridge)
  await useSessionStore().openDefault()
})

describe('useSqlStore', () => {
  it('keeps the query, the deadline and the hex choice across a reload', async () => {
    const s = useSqlStore()
    expect(s.query).toBe(DEFAULT_QUERY)
    s.setQuery('SELECT 42')
    s.deadline = 60_000
    s.hexAddresses = false
    await Promise.resolve()
    // A reload: a new Pinia reads what the old one stored.
    setActivePinia(createPinia())
    const again = useSqlStore()
    expect(again.query).toBe('SELECT 42')
    expect(again.deadline).toBe(60_000)
    expect(again.hexAddresses).toBe(false)
  })

  it('runs with an id and the deadline, and cancels that id', async () => {
    const s = useSqlStore()
    bridge.handlers.sqlQuery = () => ({ columns: ['seq'], rows: [[1]], truncated: false, ms: 1 })
    bridge.handlers.cancelSql = () => true
    bridge.hold = true
    const done = s.run()
    expect(s.running).toBe(true)
    const cancelled = s.cancel()
    bridge.release()
    await Promise.all([done, cancelled])
    const q = bridge.calls.find((c) => c.name === 'sqlQuery')!.args
    expect(q).toMatchObject({ session: 's1', sql: DEFAULT_QUERY, limit: 1000, timeoutMs: 2000 })
    expect(bridge.calls.find((c) => c.name === 'cancelSql')!.args).toEqual({ session: 's1', id: q.id })
    expect(s.running).toBe(false)
    expect(s.result?.rows).toEqual([[1]])
  })

  it('shows the error line, and loads the tables', async () => {
    const s = useSqlStore()
    bridge.handlers.sqlQuery = () => ({ ok: false, error: 'the SQL query ran past its deadline of 2 s and was stopped' })
    bridge.handlers.sqlTables = () => [{ name: 'transitions', type: 'virtual', columns: ['seq'], doc: '' }]
    await s.run()
    expect(s.error).toMatch(/deadline of 2 s/)
    expect(s.result).toBeNull()
    await s.loadTables()
    expect(s.tables.map((t) => t.name)).toEqual(['transitions'])
  })
})

describe('SQL result cells', () => {
  it('links seq columns, shows addresses in hex on request, spells NULL', () => {
    expect(['seq', 'last_seq', 'first_seq', 'SEQ'].every(isSeqColumn)).toBe(true)
    expect(['sequence', 'seqs', 'op'].some(isSeqColumn)).toBe(false)
    expect(['gfn', 'pgd', 'gva', 'cr3', 'hpa', 'root_gfn'].every(isAddressColumn)).toBe(true)
    expect(isAddressColumn('sp')).toBe(false)
    expect(sqlCell(4096, true)).toBe('0x1000')
    expect(sqlCell(4096, false)).toBe('4096')
    expect(sqlCell('0xa000', true)).toBe('0xa000')
    expect(sqlCell(null, true)).toBe('NULL')
  })
})
