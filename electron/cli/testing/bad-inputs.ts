/**
 * The generated corpus of bad inputs (issue 9, "Done when"): scripts, traces and session files
 * that a hostile sender, a bad disk or an unlucky user would hand to `rootlab`, each with the
 * command that must refuse it. electron/cli/bad-input-corpus.test.ts runs every case in a child
 * process and holds it to the CLI contract: exactly one `rootlab: ` line on stderr, a non-zero
 * exit, no hang, bounded memory.
 *
 * Classes: non-regular and missing files, files over the size limit, huge numbers, deep nesting,
 * control characters (in values, field names and file names), truncated and corrupt files,
 * random bytes and random JSON (seeded), foreign SQLite files, and damaged sessions (made by the
 * session layer's own generators, electron/session/testing/damage.ts).
 */
import { spawnSync } from 'node:child_process'
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { format_op, parse_script } from '../../../sim/script'
import {
  alterTable, deleteChunkRow, flipCheckpointByte, flipChunkByte, plantTrigger, plantView, setChunkCount, truncateFile,
  zipBombCheckpoint,
} from '../../session/testing/damage'
import { captureLikeScript, syntheticTrace } from '../../kvm/testing/synthetic-trace'
import { mulberry32 } from '../../session/testing/random-ops'

/** What every case may use: a good session, a good script, a marked trace and its script. */
export interface CorpusBase {
  /** Folder of the shared good files. */
  dir: string
  session: string
  script: string
  trace: string
  traceScript: string
}

export interface BadInputCase {
  /** Class and name, for the test's title. */
  name: string
  /** Arguments after `rootlab`, relative to the case's folder. */
  argv: string[]
  /** Makes the files the case needs in its folder (`dir`). */
  setup?(dir: string, base: CorpusBase): void
  /** The exit status it must end with (default 1: a bad file). */
  exit?: 1 | 2
  /** What the stderr line must say after `rootlab: ` (beyond the contract's checks). */
  message?: RegExp
}

/** Writes the shared good files into `dir`; `record` records the session with the CLI under test. */
export function makeBase(dir: string, record: (argv: string[]) => void): CorpusBase {
  mkdirSync(dir, { recursive: true })
  const script = { vcpus: 2, ops: captureLikeScript(2, 40, 3).ops.map(format_op) }
  writeFileSync(join(dir, 'good.json'), JSON.stringify(script))
  const marked = captureLikeScript(2, 60, 7)
  writeFileSync(join(dir, 'marked.trace.txt'), syntheticTrace(marked))
  writeFileSync(join(dir, 'marked.script.json'), JSON.stringify({ vcpus: marked.vcpus, ops: marked.ops.map(format_op) }))
  record(['record', '--scenario', 'process-churn', '--vcpus', '2', '--steps', '3000', '--seed', '4', '--out', join(dir, 'good.rootlab')])
  return {
    dir, session: join(dir, 'good.rootlab'), script: join(dir, 'good.json'),
    trace: join(dir, 'marked.trace.txt'), traceScript: join(dir, 'marked.script.json'),
  }
}

/** A sparse file of `bytes` zero bytes (no disk used, made at once). */
function sparse(path: string, bytes: number): void {
  const fd = openSync(path, 'w')
  try {
    ftruncateSync(fd, bytes)
  } finally {
    closeSync(fd)
  }
}

function fifo(path: string): void {
  const r = spawnSync('mkfifo', [path])
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr}`)
}

const file = (name: string, content: string | Uint8Array) => (dir: string) => void writeFileSync(join(dir, name), content)

/** One op of a script with a bad value, in a script of 2 vCPUs. */
const badOp = (op: Record<string, unknown>) => file('s.json', JSON.stringify({ vcpus: 2, ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, op] }))

/** `{"vcpus": 1, "ops": X}` with X nested `depth` levels deep (text made directly: JSON.stringify would overflow). */
const deepDoc = (before: string, depth: number, after: string) => (dir: string) =>
  void writeFileSync(join(dir, 's.json'), `${before}${'['.repeat(depth)}${']'.repeat(depth)}${after}`)

/** Non-regular, missing and oversized files given where a regular file is read. */
function fileKinds(what: string, argv: (f: string) => string[]): BadInputCase[] {
  return [
    { name: `${what}: /dev/zero`, argv: argv('/dev/zero'), message: /\/dev\/zero is a character device, not a/ },
    { name: `${what}: /dev/urandom`, argv: argv('/dev/urandom'), message: /is a character device/ },
    { name: `${what}: /dev/null`, argv: argv('/dev/null'), message: /is a character device/ },
    { name: `${what}: a directory`, argv: argv('folder'), setup: (d) => mkdirSync(join(d, 'folder')), message: /folder is a directory/ },
    { name: `${what}: a named pipe without a writer`, argv: argv('pipe'), setup: (d) => fifo(join(d, 'pipe')), message: /pipe is a named pipe/ },
    { name: `${what}: a missing file`, argv: argv('missing'), message: /missing does not exist/ },
  ]
}

/** Script files `record --script` must refuse. */
export function scriptCases(seed: number): BadInputCase[] {
  const rec = (f: string) => ['record', '--script', f, '--out', 'out.rootlab']
  const cases: BadInputCase[] = [
    ...fileKinds('script', rec),
    { name: 'script: 60 MB (sparse)', argv: rec('big.json'), setup: (d) => sparse(join(d, 'big.json'), 60_000_000), message: /big\.json is 60,000,000 bytes: a script file may be at most 50,000,000 bytes \(50 MB\)/ },
    { name: 'script: one byte over 50 MB', argv: rec('big.json'), setup: (d) => sparse(join(d, 'big.json'), 50_000_001), message: /big\.json is 50,000,001 bytes: a script file may be at most 50,000,000 bytes \(50 MB\)/ },
  ]
  // Huge, negative, fractional and mistyped numbers.
  for (const v of ['4000000000', '1e308', '-1', '0', '1.5', '"4"', 'null', 'true', '[]', '{}', '-0', '65']) {
    cases.push({ name: `script: vcpus ${v}`, argv: rec('s.json'), setup: file('s.json', `{"vcpus": ${v}, "ops": []}`), message: /s\.json: field "vcpus" must be an integer from 1 to 64, got / })
  }
  const fields: [string, Record<string, unknown>, RegExp][] = [
    ['pgd 1e300', { op: 'cr3', vcpu: 0, pgd: 1e300 }, /op 1 \(cr3\): field "pgd" must be an integer from 0 to/],
    ['pgd of 64 hex digits', { op: 'cr3', vcpu: 0, pgd: `0x${'f'.repeat(64)}` }, /op 1 \(cr3\): field "pgd" must be a number or a hex string/],
    ['pgd 2^53', { op: 'cr3', vcpu: 0, pgd: 2 ** 53 }, /op 1 \(cr3\): field "pgd" must be an integer from 0/],
    ['vcpu 4000000000', { op: 'run', vcpu: 4000000000 }, /op 1 \(run\): field "vcpu" is 4000000000, out of range/],
    ['vcpu -1', { op: 'run', vcpu: -1 }, /op 1 \(run\): field "vcpu" is -1, out of range/],
    ['vcpu "0"', { op: 'run', vcpu: '0' }, /op 1 \(run\): field "vcpu" must be an integer vCPU index, got "0"/],
    ['gfn 1e30', { op: 'pt_write', vcpu: 0, gfn: 1e30 }, /op 1 \(pt_write\): field "gfn" must be an integer/],
    ['gva -4096', { op: 'fault', vcpu: 0, gva: -4096 }, /op 1 \(fault\): field "gva" must be an integer/],
  ]
  for (const [name, op, message] of fields) cases.push({ name: `script: ${name}`, argv: rec('s.json'), setup: badOp(op), message })
  // Deep nesting: every place a value can be, a million levels down.
  const M = 1_000_000
  cases.push(
    { name: 'script: ops nested a million deep', argv: rec('s.json'), setup: deepDoc('{"vcpus": 1, "ops": ', M, '}'), message: /op 0: must be an object like/ },
    { name: 'script: vcpu nested a million deep', argv: rec('s.json'), setup: deepDoc('{"vcpus": 1, "ops": [{"op": "run", "vcpu": ', M, '}]}'), message: /op 0 \(run\): field "vcpu" must be an integer vCPU index, got \[\[\[\[…\]\]\]\]/ },
    { name: 'script: vcpus nested a million deep', argv: rec('s.json'), setup: deepDoc('{"ops": [], "vcpus": ', M, '}'), message: /field "vcpus" must be an integer from 1 to 64, got \[\[\[\[…\]\]\]\]/ },
    { name: 'script: the document nested a million deep', argv: rec('s.json'), setup: deepDoc('', M, ''), message: /s\.json: must be a JSON object/ },
    { name: 'script: an unknown field nested deep', argv: rec('s.json'), setup: deepDoc('{"vcpus": 1, "ops": [{"op": "run", "vcpu": 0, "x": ', M, '}]}'), message: /op 0 \(run\): unknown field "x"/ },
    { name: 'script: unclosed brackets, a million deep', argv: rec('s.json'), setup: file('s.json', `{"vcpus": 1, "ops": ${'['.repeat(M)}`), message: /not valid JSON: it ends too early, at line 1, column \d+ \(an array is not closed\)/ },
  )
  // Control characters in values, field names and the file's own name.
  const esc = '\u001b]0;pwned\u0007\ncomplete: yes\r\u009b2J\u202e'
  cases.push(
    { name: 'script: control characters in an op name', argv: rec('s.json'), setup: badOp({ op: esc }), message: /op 1: unknown op "\\u001b\]0;pwned\\u0007\\ncomplete: yes\\r\\u009b2J\\u202e"/ },
    { name: 'script: control characters in a field name', argv: rec('s.json'), setup: badOp({ op: 'run', vcpu: 0, [esc]: 1 }), message: /op 1 \(run\): unknown field "\\u001b/ },
    { name: 'script: control characters in an action', argv: rec('s.json'), setup: badOp({ op: 'memslot', action: esc }), message: /field "action" must be "delete" or "move", got "\\u001b/ },
    { name: 'script: control characters in the file name', argv: rec(`evil${esc}.json`), setup: file(`evil${esc}.json`, '{'), message: /evil\\u001b\]0;pwned\\u0007 complete: yes\\u000d\\u009b2J\\u202e\.json: not valid JSON/ },
    { name: 'script: a raw newline inside a string', argv: rec('s.json'), setup: file('s.json', '{"vcpus": 1, "ops": [{"op": "r\nun"}]}'), message: /a control character \(U\+000A\) inside a string at line 1, column 31/ },
  )
  // Long values are cut.
  cases.push(
    { name: 'script: a 10 MB op name', argv: rec('s.json'), setup: badOp({ op: 'x'.repeat(10_000_000) }), message: /op 1: unknown op "x{79}… \(allowed/ },
    { name: 'script: a 10 MB field name', argv: rec('s.json'), setup: badOp({ op: 'run', vcpu: 0, ['y'.repeat(10_000_000)]: 1 }), message: /unknown field "y{79}… \(allowed/ },
  )
  // A long valid script with one bad op at its end: refused before anything is written, by index.
  const n = 1_000_000
  cases.push({
    name: 'script: a million good ops, then a misaligned pgd', argv: rec('s.json'),
    setup: (d) => writeFileSync(join(d, 's.json'), `{"vcpus": 1, "ops": [${'{"op":"run","vcpu":0},'.repeat(n)}{"op":"cr3","vcpu":0,"pgd":"0xa010"}]}`),
    message: new RegExp(`op ${n} \\(cr3\\): field "pgd" 0xa010 is not page aligned`),
  })
  // Truncated, corrupt and foreign texts.
  const good = JSON.stringify({ vcpus: 2, ops: captureLikeScript(2, 30, 5).ops.map(format_op) })
  const r = mulberry32(seed)
  for (let i = 0; i < 8; i++) {
    const at = 1 + Math.floor(r() * (good.length - 2))
    cases.push({ name: `script: cut at byte ${at}`, argv: rec('s.json'), setup: file('s.json', good.slice(0, at)), message: /s\.json: not valid JSON: / })
  }
  for (let made = 0; made < 8;) {
    const at = Math.floor(r() * good.length)
    const bytes = Buffer.from(good)
    bytes[at] = '{}[]",:\\\u0000\u00ff'.charCodeAt(Math.floor(r() * 10))
    if (isValidScript(bytes.toString('utf8'))) continue // a replacement that happens to be harmless
    cases.push({ name: `script: byte ${at} replaced`, argv: rec('s.json'), setup: file('s.json', bytes) })
    made++
  }
  for (let i = 0; i < 4; i++) {
    const bytes = Buffer.alloc(256 + Math.floor(r() * 4096))
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(r() * 256)
    cases.push({ name: `script: ${bytes.length} random bytes`, argv: rec('s.json'), setup: file('s.json', bytes), message: /s\.json: not valid JSON: / })
  }
  cases.push(
    { name: 'script: empty', argv: rec('s.json'), setup: file('s.json', ''), message: /s\.json: not valid JSON: the file is empty/ },
    { name: 'script: a byte-order mark', argv: rec('s.json'), setup: file('s.json', `\uFEFF${good}`), message: /unexpected U\+FEFF at line 1, column 1/ },
    { name: 'script: UTF-16', argv: rec('s.json'), setup: file('s.json', Buffer.from(`\uFEFF${good}`, 'utf16le')), message: /not valid JSON/ },
    { name: 'script: single quotes', argv: rec('s.json'), setup: file('s.json', "{'vcpus': 1, 'ops': []}"), message: /expected a property name in double quotes/ },
    { name: 'script: a trailing comma', argv: rec('s.json'), setup: file('s.json', '{"vcpus": 1, "ops": [],}'), message: /unexpected '}' at line 1, column 24/ },
    { name: 'script: two documents', argv: rec('s.json'), setup: file('s.json', `${good}\n${good}`), message: /expected nothing more: the JSON value has ended/ },
    { name: 'script: null', argv: rec('s.json'), setup: file('s.json', 'null'), message: /must be a JSON object/ },
    { name: 'script: a session file given as a script', argv: rec('s.rootlab'), setup: (d, b) => copyFileSync(b.session, join(d, 's.rootlab')), message: /s\.rootlab: not valid JSON: / },
  )
  // Random JSON documents shaped like scripts, each with one op of random junk fields.
  for (let i = 0; i < 6; i++) {
    const junk: Record<string, unknown> = { op: ['cr3', 'run', 'fault', 'pt_write', 'unprotect', 'memslot'][Math.floor(r() * 6)] }
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) junk[`f${Math.floor(r() * 1e6)}`] = randomJson(r, 4)
    cases.push({ name: `script: random junk fields #${i}`, argv: rec('s.json'), setup: file('s.json', JSON.stringify({ vcpus: 1 + Math.floor(r() * 64), ops: [junk] })), message: /op 0 \(\w+\): (unknown field|field "\w+" is missing)/ })
  }
  return cases
}

function isValidScript(text: string): boolean {
  try {
    parse_script(text)
    return true
  } catch {
    return false
  }
}

/** A random JSON value (for junk fields). */
function randomJson(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 0 ? 6 : 4))
  if (k === 0) return Math.floor((r() - 0.5) * 2 ** 60)
  if (k === 1) return String.fromCharCode(...Array.from({ length: Math.floor(r() * 40) }, () => Math.floor(r() * 0x300)))
  if (k === 2) return r() < 0.5
  if (k === 3) return null
  if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth - 1))
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}`, randomJson(r, depth - 1)]))
}

/** Traces `rootlab import` must refuse. */
export function traceCases(seed: number): BadInputCase[] {
  const imp = (f: string, ...more: string[]) => ['import', f, '--out', 'o.rootlab', ...more]
  const line = (event: string, body: string) => `  qemu-system-x86-1234 [001] .....  100.000001: ${event}: ${body}\n`
  const cases: BadInputCase[] = [
    ...fileKinds('trace', imp),
    {
      name: 'trace: three lines naming vCPU 4000000000', argv: imp('t.txt'),
      setup: file('t.txt', line('kvm_exit', 'vcpu 4000000000 reason CR_ACCESS rip 0x1 info 0 0') +
        line('kvm_cr', 'cr_write 3 = 0xa000') + line('kvm_entry', 'vcpu 4000000000, rip 0x2')),
      message: /t\.txt has no CR3 writes or vCPU entries .*first unreadable line: line 1, bad kvm_exit body: vCPU 4000000000 is out of range \(0 to 63\)/,
    },
    { name: 'trace: 20 MB of NUL bytes without a newline (sparse)', argv: imp('t.txt'), setup: (d) => sparse(join(d, 't.txt'), 20_000_000), message: /no trace events .*line too long/ },
    {
      name: 'trace: a 6 MB line of almost-events', argv: imp('t.txt'),
      setup: file('t.txt', 'a-1 [0] 1.0: -2 '.repeat(400_000)), message: /no trace events \(1 unreadable lines; first unreadable line: line 1, line too long/,
    },
    {
      name: 'trace: numbers with a thousand digits', argv: imp('t.txt'),
      setup: file('t.txt', line('kvm_mmu_get_page', `sp gen 0 gfn ${'f'.repeat(1000)} l4 8-byte q0 wux nxe ad root 0 sync new`) +
        line('kvm_mmu_zap_all_fast', `kvm-mmu-valid-gen ${'9'.repeat(1000)} used_pages 5`) + line('kvm_cr', `cr_write 3 = 0x${'f'.repeat(1000)}`) +
        `  qemu-${'1'.repeat(1000)} [${'9'.repeat(50)}] .....  1.0: kvm_entry: vcpu 0\n`),
      message: /no trace events \(4 unreadable lines; first unreadable line: line 1, bad kvm_mmu_get_page body\)/,
    },
    {
      name: 'trace: control characters in event names and markers', argv: imp('t.txt'),
      setup: file('t.txt', line('kvm_\u001b]0;x\u0007', 'y') + line('tracing_mark_write', 'rootlab \u001b[2J op 0')),
      message: /has no CR3 writes or vCPU entries/,
    },
    {
      name: 'trace: markers without the script', argv: imp('t.txt'), setup: (d, b) => copyFileSync(b.trace, join(d, 't.txt')),
      message: /t\.txt has "rootlab op N" markers but no vCPU entries: give the script that produced it with --script FILE/,
    },
    {
      name: 'trace: a marker for op 4000000000', argv: imp('t.txt', '--script', 's.json'),
      setup: (d, b) => {
        copyFileSync(b.traceScript, join(d, 's.json'))
        writeFileSync(join(d, 't.txt'), line('tracing_mark_write', 'rootlab op 4000000000') + line('tracing_mark_write', 'rootlab op 0'))
      },
      message: /t\.txt: the trace has a marker for op 4000000000, but the script has 60 ops/,
    },
    { name: 'trace: a script given with --script that is /dev/zero', argv: imp('t.txt', '--script', '/dev/zero'), setup: (d, b) => copyFileSync(b.trace, join(d, 't.txt')), message: /\/dev\/zero is a character device, not a script file/ },
    { name: 'trace: a 60 MB script', argv: imp('t.txt', '--script', 'big.json'), setup: (d, b) => { copyFileSync(b.trace, join(d, 't.txt')); sparse(join(d, 'big.json'), 60_000_000) }, message: /big\.json is 60,000,000 bytes: a script file may be at most 50,000,000 bytes \(50 MB\)/ },
  ]
  const r = mulberry32(seed)
  for (let i = 0; i < 4; i++) {
    cases.push({
      name: `trace: the marked trace cut at a random line (#${i})`, argv: imp('t.txt', '--script', 's.json'),
      setup: (d, b) => {
        copyFileSync(b.traceScript, join(d, 's.json'))
        const lines = readText(b.trace).split('\n')
        const cut = 3 + Math.floor(r() * (lines.length / 2))
        writeFileSync(join(d, 't.txt'), lines.slice(0, cut).join('\n') + '\n')
      },
      message: /t\.txt: the trace has no "rootlab op \d+" marker: it is truncated or not of this script/,
    })
  }
  for (let i = 0; i < 3; i++) {
    const bytes = Buffer.alloc(1024 + Math.floor(r() * 65536))
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(r() * 256)
    cases.push({ name: `trace: ${bytes.length} random bytes`, argv: imp('t.txt'), setup: file('t.txt', bytes), message: /t\.txt has no trace events/ })
  }
  return cases
}

const readText = (path: string): string => readFileSync(path, 'utf8')

/** A SQLite file that is not a Root Lab session. */
function foreignSqlite(path: string, sql: string, appId?: number): void {
  const db = new Database(path)
  try {
    if (appId !== undefined) db.pragma(`application_id = ${appId}`)
    db.exec(sql)
  } finally {
    db.close()
  }
}

/** Arguments a user could type or a script could pass: cut and escaped in the usage error (exit 2). */
export function argumentCases(): BadInputCase[] {
  const esc = '\u001b]0;pwned\u0007\ncomplete: yes'
  return [
    { name: 'arguments: a 100,000-character kind', argv: ['events', 'x.rootlab', '--kind', 'k'.repeat(100_000)], exit: 2, message: /unknown kind "k{80}…" \(allowed: / },
    { name: 'arguments: control characters in a policy', argv: ['record', '--out', 'o.rootlab', '--policy', `${esc}${'p'.repeat(1000)}`], exit: 2, message: /unknown policy "\\u001b\]0;pwned\\u0007\\u000acomplete: yesp*…" \(allowed: / },
    { name: 'arguments: control characters in an extra argument', argv: ['info', 'a.rootlab', `b${esc}`], exit: 2, message: /unexpected argument "b\\u001b\]0;pwned\\u0007\\u000acomplete: yes"/ },
    { name: 'arguments: a seq of 10,000 digits', argv: ['inspect', 'x.rootlab', '--at', '9'.repeat(10_000)], exit: 2, message: /--at must be a transition number \(0 = initial state\) or "end", got "9{80}…"/ },
    { name: 'arguments: an integer flag of 10,000 digits', argv: ['events', 'x.rootlab', '--limit', '9'.repeat(10_000)], exit: 2, message: /--limit must be an integer from 0 to \d+, got 9{80}…/ },
  ]
}

/** Session files the reading commands must refuse. */
export function sessionCases(seed: number): BadInputCase[] {
  const cases: BadInputCase[] = [
    ...fileKinds('session', (f) => ['info', f]),
    { name: 'session: a text file', argv: ['info', 's.rootlab'], setup: file('s.rootlab', 'hello\n'), message: /s\.rootlab is not a Root Lab session/ },
    { name: 'session: empty', argv: ['info', 's.rootlab'], setup: file('s.rootlab', ''), message: /s\.rootlab/ },
    { name: 'session: 1 MB of zeros', argv: ['events', 's.rootlab', '--json'], setup: file('s.rootlab', Buffer.alloc(1 << 20)), message: /s\.rootlab is not a Root Lab session/ },
    { name: 'session: a SQLite header and then junk', argv: ['inspect', 's.rootlab', '--at', 'end'], setup: file('s.rootlab', Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(8192, 0x5a)])), message: /s\.rootlab/ },
    { name: 'session: a foreign SQLite database', argv: ['info', 's.rootlab'], setup: (d) => foreignSqlite(join(d, 's.rootlab'), 'CREATE TABLE people (name TEXT); INSERT INTO people VALUES (\'x\');'), message: /s\.rootlab is not a Root Lab session/ },
    { name: 'session: an empty SQLite database', argv: ['events', 's.rootlab', '--json'], setup: (d) => foreignSqlite(join(d, 's.rootlab'), 'PRAGMA user_version = 1;'), message: /s\.rootlab is not a Root Lab session/ },
    { name: 'session: a foreign SQLite database with a session\'s table names', argv: ['info', 's.rootlab'], setup: (d) => foreignSqlite(join(d, 's.rootlab'), 'CREATE TABLE meta (key TEXT, value TEXT); CREATE TABLE chunks (x);'), message: /s\.rootlab is not a Root Lab session/ },
    { name: 'session: compare with a text file', argv: ['compare', 'a.rootlab', 'b.txt'], setup: (d, b) => { copyFileSync(b.session, join(d, 'a.rootlab')); writeFileSync(join(d, 'b.txt'), 'x') }, message: /b\.txt is not a Root Lab session/ },
  ]
  const r = mulberry32(seed)
  for (let i = 0; i < 3; i++) {
    cases.push({
      name: `session: the good session with random bytes over page ${i + 1}`, argv: ['verify', 's.rootlab'],
      setup: (d, b) => {
        copyFileSync(b.session, join(d, 's.rootlab'))
        const bytes = Buffer.alloc(4096)
        for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(r() * 256)
        const f = openSync(join(d, 's.rootlab'), 'r+')
        try {
          writeSync(f, bytes, 0, bytes.length, 4096 * (i + 1))
        } finally {
          closeSync(f)
        }
      },
    })
  }
  // Damage made by the session layer's own generators, read by the commands that must notice.
  const damaged: [string, (p: string) => unknown, string[][]][] = [
    ['a byte flipped in a chunk', (p) => flipChunkByte(p), [['verify'], ['events', '--json'], ['export', '--format', 'perfetto', '--out', 'x.json']]],
    ['a chunk row deleted', (p) => deleteChunkRow(p), [['info'], ['verify'], ['events', '--json']]],
    ['a chunk_data row deleted', (p) => deleteChunkRow(p, { table: 'chunk_data' }), [['info'], ['verify']]],
    ['a chunk count set to 4e9', (p) => setChunkCount(p), [['info'], ['verify'], ['events', '--json']]],
    ['a chunk count set to 4e9, checksum fixed', (p) => setChunkCount(p, { fixCrc: true }), [['info'], ['verify'], ['inspect', '--at', 'end']]],
    ['a byte flipped in a checkpoint', (p) => flipCheckpointByte(p), [['verify']]],
    ['checkpoint 0 a 2 GiB zlib bomb', (p) => zipBombCheckpoint(p), [['info'], ['inspect', '--at', '0'], ['verify']]],
    ['a planted trigger', (p) => plantTrigger(p), [['info'], ['events', '--json']]],
    ['a planted view', (p) => plantView(p), [['info']]],
    ['an altered table', (p) => alterTable(p), [['info']]],
    ['cut to half its size', (p) => truncateFile(p), [['info'], ['events', '--json']]],
  ]
  // Meta values edited by hand: text where numbers and JSON belong.
  const meta: [string, string][] = [
    ['vcpus', 'abc'], ['vcpus', '4000000000'], ['vcpus', '0'], ['complete', '2'], ['params', '{'], ['params', '[1]'],
    ['n_max_mmu_pages', '-5'], ['n_max_mmu_pages', '99999999999'], ['seed', '1e400'], ['policy', `evil${'\u001b[2J'.repeat(100)}`],
  ]
  for (const [key, value] of meta) {
    cases.push({
      name: `session: meta ${key} = ${JSON.stringify(value.slice(0, 20))}`, argv: ['info', 's.rootlab'],
      setup: (d, b) => {
        copyFileSync(b.session, join(d, 's.rootlab'))
        const db = new Database(join(d, 's.rootlab'))
        try {
          db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(value, key)
        } finally {
          db.close()
        }
      },
      message: new RegExp(`s\\.rootlab is damaged \\((meta "${key}" must be|unknown policy "evil\\\\u001b\\[2J[^"]{60,}…\\)$)`),
    })
  }
  for (const [what, damage, commands] of damaged) {
    for (const cmd of commands) {
      cases.push({
        name: `session: ${what} -> ${cmd[0]}`, argv: [cmd[0]!, 's.rootlab', ...cmd.slice(1)],
        setup: (d, b) => {
          copyFileSync(b.session, join(d, 's.rootlab'))
          damage(join(d, 's.rootlab'))
        },
        message: /s\.rootlab/,
      })
    }
  }
  return cases
}
