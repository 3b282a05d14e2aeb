/**
 * Checkpoint encoding: a full model state (`struct kvm`), read back by every stateAt(), so its
 * decoding speed is most of stateAt's fixed cost.
 *
 * Format 2 (binary, then deflated at level 1): the three big parts of a state are varint arrays
 *   mmu_pages         per page in id order: sp (delta), gfn, level, flags (invalid | unsync << 1
 *                     | on_active_list << 2), root_count, mmu_valid_gen, write_flooding_count,
 *                     then its spt links as (index, child - sp) pairs
 *   mmu_page_hash     per gfn bucket (ascending gfn): gfn, ids in order
 *   active_mmu_pages  ids in order
 * and everything else (vCPUs, stats, counters, scalars) is JSON. Measured on a 1,000-page VM:
 * ~10 KB and ~0.3 ms to decode, against ~29 KB and ~2.4 ms for deflated JSON.
 * Format 3 (written since schema 2's recorder work, issue 13): format 2 without mmu_page_hash,
 * which the reader rebuilds from the pages (see encodeBody); the recorder also keeps each
 * page's bytes between checkpoints (CheckpointEncoder).
 * Format 4 (written since): format 3's body stored as is, without deflate. Deflating was ~40% of
 * the session writer's checkpoint work and most of a 1M recording's zlib time (it halved ~15 KB
 * bodies, ~4 bytes a transition at one checkpoint per 2,048 transitions); a reader skips the
 * inflate too. With one per 4,096 (recorder.ts DEFAULT_TUNING) a session is 13.8 bytes a
 * transition all-in, as with 2,048 deflated (docs/benchmarks.md).
 * Format 0 = deflated plain JSON, written if a page has fields this codec does not know, so a
 * newer model can never lose state silently.
 */
import { deflateSync, inflateSync } from 'node:zlib'
import { INVALID_PAGE } from '../../sim/constants'
import { hpa_sp } from '../../sim/state'
import type { Transition } from '../../sim/transitions'
import type { kvm, kvm_mmu_page } from '../../sim/types'
import { ByteReader, ByteWriter } from './varint'

const PAGE_KEYS = ['sp', 'gfn', 'role', 'root_count', 'mmu_valid_gen', 'write_flooding_count', 'unsync', 'spt', 'on_active_list'].sort().join(',')
const ROLE_KEYS = 'invalid,level'

/**
 * The codec knows the page layout of the model it was built with; a page with any other key
 * set makes it fall back to JSON. Pages all share one shape (one object literal in apply.ts), so
 * checking the first page's keys by name covers them; later pages are spot-checked.
 */
function knownShapes(pages: kvm_mmu_page[]): boolean {
  for (let i = 0; i < pages.length; i += 97) {
    const p = pages[i]!
    if (Object.keys(p).sort().join(',') !== PAGE_KEYS || Object.keys(p.role).sort().join(',') !== ROLE_KEYS) return false
  }
  return true
}

/** The body layout written: 3 (format 2 without mmu_page_hash), stored as format 4 (not deflated). */
export const CHECKPOINT_FORMAT = 3

/** Format byte of a format-3 body stored without deflate. */
const STORED_FORMAT_3 = 4

/** A checkpoint blob: the format byte, then the body (format 3: stored as is, format 4; else deflated, level 1). */
export function packCheckpoint(format: number, body: Uint8Array): Buffer {
  return withFormat(format, body)
}

function withFormat(format: number, body: Uint8Array): Buffer {
  if (format === 3) {
    const out = Buffer.allocUnsafe(body.length + 1)
    out[0] = STORED_FORMAT_3
    out.set(body, 1)
    return out
  }
  const z = deflateSync(body, { level: 1 })
  const out = Buffer.allocUnsafe(z.length + 1)
  out[0] = format
  z.copy(out, 1)
  return out
}

/** A page's bytes after its sp delta: everything relative to its own sp, so they can be cached. */
function writePage(w: ByteWriter, p: kvm_mmu_page): void {
  w.uint(p.gfn)
  w.uint(p.role.level)
  w.uint((p.role.invalid ? 1 : 0) | (p.unsync ? 2 : 0) | (p.on_active_list ? 4 : 0))
  w.uint(p.root_count)
  w.uint(p.mmu_valid_gen)
  w.uint(p.write_flooding_count)
  const links = Object.keys(p.spt)
  w.uint(links.length)
  for (let j = 0; j < links.length; j++) {
    const i = links[j]!
    w.uint(+i)
    w.int(p.spt[i as unknown as number]! - p.sp)
  }
}

/**
 * Writes a format-2 body; `pageBytes` gives each page's bytes (writePage), possibly cached. Every
 * encoder goes through here, so the cached encoder writes exactly encodeCheckpoint's bytes.
 */
function encodeBody(k: kvm, pages: kvm_mmu_page[], w: ByteWriter, page: (w: ByteWriter, p: kvm_mmu_page) => void, format: 2 | 3): Uint8Array {
  const { mmu_pages: _p, mmu_page_hash, active_mmu_pages, ...rest } = k
  w.reset()
  const json = Buffer.from(JSON.stringify(rest))
  w.uint(json.length)
  w.bytes(json)
  w.uint(pages.length)
  let prev = 0
  for (const p of pages) {
    w.uint(p.sp - prev)
    prev = p.sp
    page(w, p)
  }
  // Format 3 leaves mmu_page_hash out: it is exactly the pages grouped by gfn in ascending sp
  // order (apply.ts adds a page to its bucket when it creates it, with a new, larger sp, and
  // removes it when it frees it), so the reader rebuilds it. Writing it cost most of a checkpoint.
  if (format === 2) {
    const gfns = Object.keys(mmu_page_hash)
    w.uint(gfns.length)
    for (const g of gfns) {
      const ids = mmu_page_hash[g as unknown as number]!
      w.uint(Number(g))
      w.uint(ids.length)
      for (const id of ids) w.uint(id)
    }
  }
  w.uint(active_mmu_pages.length)
  prev = 0
  for (const id of active_mmu_pages) {
    w.int(id - prev)
    prev = id
  }
  return w.buf.subarray(0, w.len)
}

export function encodeCheckpoint(k: kvm): Buffer {
  const pages = Object.values(k.mmu_pages)
  // Integer keys enumerate in ascending order, so pages come sorted by id.
  if (!knownShapes(pages)) return withFormat(0, Buffer.from(JSON.stringify(k)))
  return withFormat(CHECKPOINT_FORMAT, encodeBody(k, pages, new ByteWriter(1 << 15), writePage, CHECKPOINT_FORMAT))
}

/**
 * What changed since the previous checkpoint, as the recorder's thread sends it to the writer:
 * the JSON part (vCPUs, stats, scalars), active_mmu_pages, and the bytes of the pages touched
 * since (a freed page as an empty entry). `format` 0 = a whole JSON state instead (a page of an
 * unknown shape), after which the next delta carries every page again.
 */
export interface CheckpointDelta {
  format: 0 | 3
  /** format 3: varint length + JSON; format 0: the whole state as JSON. */
  head: Uint8Array
  /** Touched pages, ascending sp: uint sp, uint byte length (0 = freed), bytes. */
  pages: Uint8Array
  /** uint count, then active_mmu_pages as delta-coded ints. */
  tail: Uint8Array
}

/**
 * The recorder's side of checkpoints: which pages changed, and their bytes. The recorder calls
 * touch() for every transition after the model applied it, and delta() at a checkpoint, which
 * costs O(pages touched) instead of O(pages) (enumerating every page's spt links was a third of
 * a checkpoint's cost, the hash buckets most of the rest).
 *
 * Which pages a transition changes (sim/apply.ts apply_transition): the page its `sp` names
 * (kvm_mmu_get_page creates it, link_shadow_page / kvm_mmu_prepare_zap_page / root_count and
 * write-flooding updates change it, kvm_mmu_free_page deletes it), and for a kvm_mmu_new_pgd
 * hit the page of the vCPU's new root (its write_flooding_count is cleared). A transition that
 * names no page changes none. checkpoint-codec.test.ts holds the assembled checkpoints of real
 * runs to encodeCheckpoint byte for byte; verify holds every stored one to the replayed state.
 */
export class CheckpointTracker {
  private readonly dirty = new Set<number>()
  private everything = true
  private readonly w = new ByteWriter(1 << 14)

  touch(k: kvm, t: Transition): void {
    const sp = (t as { sp?: unknown }).sp
    if (typeof sp === 'number') this.dirty.add(sp)
    else if (t.kind === 'kvm_mmu_new_pgd' && t.hit) {
      const hpa = t.vcpu === null ? undefined : k.vcpus[t.vcpu]?.root_mmu.root.hpa
      if (hpa !== undefined && hpa !== INVALID_PAGE) this.dirty.add(hpa_sp(hpa))
    }
  }

  /** The delta since the last call (fresh buffers, transferable). */
  delta(k: kvm): CheckpointDelta {
    const ids = this.everything ? Object.keys(k.mmu_pages).map(Number) : [...this.dirty].sort((a, b) => a - b)
    const touched: kvm_mmu_page[] = []
    for (const sp of ids) {
      const p = k.mmu_pages[sp]
      if (p) touched.push(p)
    }
    if (!knownShapes(touched)) {
      this.everything = true
      this.dirty.clear()
      return { format: 0, head: new TextEncoder().encode(JSON.stringify(k)), pages: new Uint8Array(0), tail: new Uint8Array(0) }
    }
    this.everything = false
    this.dirty.clear()
    const { mmu_pages: _p, mmu_page_hash: _h, active_mmu_pages, ...rest } = k
    const w = this.w
    w.reset()
    const json = new TextEncoder().encode(JSON.stringify(rest))
    w.uint(json.length)
    w.bytes(json)
    const head = w.take()
    w.reset()
    for (const sp of ids) {
      const p = k.mmu_pages[sp]
      w.uint(sp)
      if (!p) {
        w.uint(0)
        continue
      }
      const at = w.len
      w.uint(0) // length placeholder, patched below (page bytes are far shorter than 128)
      writePage(w, p)
      const len = w.len - at - 1
      if (len < 128) w.buf[at] = len
      else {
        // A page with many links: rewrite with a proper varint length.
        const bytes = w.buf.slice(at + 1, w.len)
        w.len = at
        w.uint(bytes.length)
        w.bytes(bytes)
      }
    }
    const pages = w.take()
    w.reset()
    w.uint(active_mmu_pages.length)
    let prev = 0
    for (const id of active_mmu_pages) {
      w.int(id - prev)
      prev = id
    }
    return { format: 3, head, pages, tail: w.take() }
  }
}

/**
 * The writer's side: keeps every page's bytes and assembles whole checkpoints (exactly
 * encodeCheckpoint's body) from the deltas, so readers always find a full checkpoint.
 */
export class CheckpointAssembler {
  /** sp -> the page's bytes; Map order = ascending sp (new pages always have larger ids). */
  private pages = new Map<number, Uint8Array>()
  private maxSp = 0
  private readonly w = new ByteWriter(1 << 16)

  /** The checkpoint's format and body (deflate with packCheckpoint). */
  assemble(d: CheckpointDelta): { format: number; body: Uint8Array } {
    if (d.format === 0) {
      this.pages = new Map()
      this.maxSp = 0
      return { format: 0, body: d.head }
    }
    const r = new ByteReader(d.pages)
    let sorted = true
    while (!r.done) {
      const sp = r.uint()
      const len = r.uint()
      if (len === 0) {
        this.pages.delete(sp)
        continue
      }
      if (!this.pages.has(sp)) {
        if (sp < this.maxSp) sorted = false
        this.maxSp = Math.max(this.maxSp, sp)
      }
      // A copy: a page kept for many checkpoints must not keep its whole delta alive.
      this.pages.set(sp, d.pages.slice(r.pos, r.pos + len))
      r.pos += len
    }
    if (!sorted) this.pages = new Map([...this.pages].sort((a, b) => a[0] - b[0]))
    const w = this.w
    w.reset()
    w.bytes(d.head)
    w.uint(this.pages.size)
    let prev = 0
    for (const [sp, bytes] of this.pages) {
      w.uint(sp - prev)
      prev = sp
      // A page is ~13 bytes: a loop copies that faster than TypedArray.set's call.
      const n = bytes.length
      w.ensure(n)
      const buf = w.buf
      let at = w.len
      for (let i = 0; i < n; i++) buf[at++] = bytes[i]!
      w.len = at
    }
    w.bytes(d.tail)
    return { format: CHECKPOINT_FORMAT, body: w.buf.subarray(0, w.len) }
  }
}

/** Both halves on one thread (tests, and the writer-less path): touch(), then encode() at a checkpoint. */
export class CheckpointEncoder {
  private readonly tracker = new CheckpointTracker()
  private readonly assembler = new CheckpointAssembler()

  touch(k: kvm, t: Transition): void {
    this.tracker.touch(k, t)
  }

  encode(k: kvm): Buffer {
    const { format, body } = this.assembler.assemble(this.tracker.delta(k))
    return withFormat(format, body)
  }
}

/**
 * Largest inflated checkpoint a reader accepts for a VM of `nMaxMmuPages` pages: about 20 bytes
 * a page are written (format 0, JSON, is only a fallback); 128 a page plus 16 MiB for the vCPUs leaves
 * room for any real state while a small blob that inflates to gigabytes (a zip bomb) is refused
 * as soon as its output passes the cap.
 */
export function checkpointCap(nMaxMmuPages: number): number {
  const pages = Number.isSafeInteger(nMaxMmuPages) && nMaxMmuPages > 0 ? Math.min(nMaxMmuPages, 1_000_000) : 1_000_000
  return 16 * 1024 * 1024 + 128 * pages
}

function inflateCapped(z: Uint8Array, cap: number): Buffer {
  try {
    return inflateSync(z, { maxOutputLength: cap })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new RangeError(`it inflates to more than ${cap} bytes`, { cause: e })
    throw new RangeError(`it cannot be inflated (${(e as Error).message})`, { cause: e })
  }
}

/** Decodes a checkpoint; RangeError if it is damaged or inflates past `cap` bytes. */
export function decodeCheckpoint(blob: Uint8Array, cap = checkpointCap(1_000_000)): kvm {
  let format = blob[0]
  let body: Buffer
  if (format === STORED_FORMAT_3) {
    if (blob.length - 1 > cap) throw new RangeError(`it holds more than ${cap} bytes`)
    body = Buffer.from(blob.buffer, blob.byteOffset + 1, blob.length - 1)
    format = 3
  } else body = inflateCapped(blob.subarray(1), cap)
  if (format === 0) return JSON.parse(body.toString('utf8')) as kvm
  if (format !== 2 && format !== 3) throw new RangeError(`unknown checkpoint format ${format}`)
  const r = new ByteReader(body)
  const jsonLen = r.uint()
  const rest = JSON.parse(body.toString('utf8', r.pos, r.pos + jsonLen)) as Omit<kvm, 'mmu_pages' | 'mmu_page_hash' | 'active_mmu_pages'>
  r.pos += jsonLen
  const mmu_pages: Record<number, kvm_mmu_page> = {}
  const mmu_page_hash: Record<number, number[]> = {}
  let sp = 0
  for (let n = r.uint(); n > 0; n--) {
    sp += r.uint()
    const gfn = r.uint()
    const level = r.uint()
    const flags = r.uint()
    const root_count = r.uint()
    const mmu_valid_gen = r.uint()
    const write_flooding_count = r.uint()
    const spt: Record<number, number> = {}
    for (let m = r.uint(); m > 0; m--) {
      const i = r.uint()
      spt[i] = sp + r.int()
    }
    mmu_pages[sp] = {
      sp, gfn, role: { level, invalid: (flags & 1) !== 0 }, root_count, mmu_valid_gen, write_flooding_count,
      unsync: (flags & 2) !== 0, spt, on_active_list: (flags & 4) !== 0,
    }
    if (format === 3) {
      // Pages come in ascending sp order: each bucket is rebuilt in the order apply.ts made it
      // (here, not in a for-in over mmu_pages afterwards: that enumerates and parses every key).
      const bucket = mmu_page_hash[gfn]
      if (bucket) bucket.push(sp)
      else mmu_page_hash[gfn] = [sp]
    }
  }
  if (format === 2) {
    for (let n = r.uint(); n > 0; n--) {
      const gfn = r.uint()
      const ids: number[] = []
      for (let m = r.uint(); m > 0; m--) ids.push(r.uint())
      mmu_page_hash[gfn] = ids
    }
  }
  const active_mmu_pages: number[] = []
  let id = 0
  for (let n = r.uint(); n > 0; n--) {
    id += r.int()
    active_mmu_pages.push(id)
  }
  if (!r.done) throw new RangeError('trailing bytes in a checkpoint')
  return { ...rest, mmu_pages, mmu_page_hash, active_mmu_pages } as kvm
}
