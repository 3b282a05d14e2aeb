/**
 * The native capture helper (native/kvm-capture): finding it, building it on first use, checking
 * that the host allows a capture, and running a plan.
 *
 * Host requirements, each reported in one line when missing: Linux, /dev/kvm, root, shadow
 * paging (a PVM host, or kvm_intel ept=0 / kvm_amd npt=0), a working C compiler (cc) for the
 * first build, and tracefs with the kvmmmu events (checked by `kvm-capture --check`, which
 * mounts tracefs at /sys/kernel/tracing if needed).
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Alignment } from './op-groups'

/** The host cannot capture; the message is the one-line reason. */
export class CaptureHostError extends Error {
  override name = 'CaptureHostError'
}

/** The helper failed while capturing (its one-line error). */
export class CaptureRunError extends Error {
  override name = 'CaptureRunError'
}

const SOURCE = join('native', 'kvm-capture', 'kvm-capture.c')

/**
 * The native/kvm-capture directory: $ROOTLAB_NATIVE_DIR, else the first directory above this
 * module (source tree or bundled CLI) that holds native/kvm-capture/kvm-capture.c.
 */
export function nativeDir(): string | null {
  const env = process.env.ROOTLAB_NATIVE_DIR
  if (env) return existsSync(join(env, 'kvm-capture.c')) ? env : null
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, SOURCE))) return join(dir, 'native', 'kvm-capture')
    const up = resolve(dir, '..')
    if (up === dir) break
    dir = up
  }
  return null
}

function readParam(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch {
    return null
  }
}

const off = (v: string | null): boolean => v === 'N' || v === '0'

/** What paging the host's KVM uses, from /sys/module (sysfs root overridable for tests). */
export function hostPaging(sys = '/sys/module'): { shadow: boolean; pvm: boolean; describe: string } {
  const tdpMmu = readParam(join(sys, 'kvm/parameters/tdp_mmu'))
  const tdp = tdpMmu === null ? '' : `, tdp_mmu=${tdpMmu}`
  if (existsSync(join(sys, 'kvm_pvm'))) return { shadow: true, pvm: true, describe: `kvm_pvm (PVM: shadow paging${tdp})` }
  const ept = readParam(join(sys, 'kvm_intel/parameters/ept'))
  if (ept !== null) return { shadow: off(ept), pvm: false, describe: `kvm_intel ept=${ept}${tdp}` }
  const npt = readParam(join(sys, 'kvm_amd/parameters/npt'))
  if (npt !== null) return { shadow: off(npt), pvm: false, describe: `kvm_amd npt=${npt}${tdp}` }
  return { shadow: false, pvm: false, describe: 'no kvm_intel, kvm_amd or kvm_pvm module loaded' }
}

/**
 * Checks what can be checked without the helper; returns the one-line reason the host cannot
 * capture, or null.
 */
export function hostProblem(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): capture needs the host's KVM`
  if (!existsSync('/dev/kvm')) return 'no /dev/kvm: this host has no KVM (load kvm_intel or kvm_amd, or enable nested virtualization)'
  if (process.getuid && process.getuid() !== 0) return 'not root: capture needs root for /dev/kvm and tracefs (run it with sudo)'
  const p = hostPaging()
  if (!p.shadow) {
    return `no shadow paging: ${p.describe}; reload with ept=0 (kvm_intel) or npt=0 (kvm_amd), see docs/real-kvm.md`
  }
  return null
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0
      res({ code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** The helper's binary, built first if missing or older than its source. Throws CaptureHostError. */
export async function ensureHelper(): Promise<string> {
  const env = process.env.ROOTLAB_KVM_CAPTURE
  if (env) {
    if (!existsSync(env)) throw new CaptureHostError(`cannot build the capture helper: ROOTLAB_KVM_CAPTURE=${env} does not exist`)
    return env
  }
  const dir = nativeDir()
  if (!dir) throw new CaptureHostError('cannot build the capture helper: native/kvm-capture is not installed with this rootlab')
  const bin = join(dir, 'build', 'kvm-capture')
  const src = join(dir, 'kvm-capture.c')
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs) return bin
  const r = await run('sh', [join(dir, 'build.sh')], 120_000)
  if (r.code !== 0 || !existsSync(bin)) {
    const first = (r.stderr.split('\n').find((l) => /error|not found/i.test(l)) ?? r.stderr.split('\n')[0] ?? '').trim()
    throw new CaptureHostError(`cannot build the capture helper with cc: ${first || `build.sh exited with ${r.code}`}`)
  }
  return bin
}

/** How this host runs a capture's ops (op-groups.ts Alignment): PVM emulates them in a batch. */
export function hostAlignment(): Alignment {
  return hostPaging().pvm ? 'pvm-batch' : 'reentry'
}

/** Full host check: hostProblem(), the build, then `kvm-capture --check` (tracefs, /dev/kvm). */
export async function checkCaptureHost(): Promise<{ ok: true; bin: string; alignment: Alignment; paging: string } | { ok: false; reason: string }> {
  const p = hostProblem()
  if (p) return { ok: false, reason: p }
  let bin: string
  try {
    bin = await ensureHelper()
  } catch (e) {
    return { ok: false, reason: (e as Error).message }
  }
  const r = await run(bin, ['--check'], 30_000)
  if (r.code !== 0) return { ok: false, reason: helperError(r.stderr, r.code) }
  return { ok: true, bin, alignment: hostAlignment(), paging: hostPaging().describe }
}

function helperError(stderr: string, code: number): string {
  const line = stderr.split('\n').find((l) => l.startsWith('kvm-capture: '))
  return line ? line.slice('kvm-capture: '.length) : `the capture helper failed (exit ${code})`
}

/**
 * Runs a plan (capture-plan.ts) and returns the trace text. Throws CaptureHostError when the
 * helper says the host cannot capture (exit 3), CaptureRunError otherwise.
 */
export async function runPlan(bin: string, plan: string, timeoutMs = 300_000): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'rootlab-capture-'))
  try {
    const planFile = join(dir, 'plan.txt')
    const out = join(dir, 'trace.txt')
    writeFileSync(planFile, plan)
    const r = await run(bin, [planFile, out], timeoutMs)
    if (r.code === 3) throw new CaptureHostError(helperError(r.stderr, r.code))
    if (r.code !== 0) throw new CaptureRunError(helperError(r.stderr, r.code))
    return readFileSync(out, 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
