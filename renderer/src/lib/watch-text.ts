/**
 * A watch as a user types it in the Watches panel:
 *
 *   vcpu 2 prev_roots[1]    vcpu 0 root    2:prev_roots[1]       a root slot
 *   sp 8    sp 8 root_count                                        a shadow page, or one field
 *   vcpu 1 requests                                                a vCPU's pending requests
 *   where kind = 'kvm_mmu_free_roots' AND vcpu = 2                 a condition on transitions
 *
 * (A text that is none of the first three and reads like SQL is taken as a condition.) The
 * Node side checks the watch against the session (vCPUs, field names) before keeping it.
 */
import type { Watch } from '../../../electron/api/contract'

export const WATCH_EXAMPLES = ['vcpu 2 prev_roots[1]', 'sp 8 root_count', 'vcpu 1 requests', "where kind = 'kvm_mmu_free_roots' AND vcpu = 2"]

const SLOT = /^(?:vcpu\s*|v)?(\d+)(?:\s+|\s*:\s*)(root|prev_roots\s*\[\s*(\d+)\s*\])$/i
const REQUESTS = /^(?:vcpu\s*|v)?(\d+)(?:\s+|\s*:\s*)requests$/i
const PAGE = /^sp\s*(\d+)(?:\s+(\w+))?$/i

/** The watch a text names, or a message saying what is wrong with it. */
export function parseWatch(text: string): { watch: Watch } | { error: string } {
  const t = text.trim()
  if (!t) return { error: `Type what to watch, e.g. ${WATCH_EXAMPLES.slice(0, 2).join(' or ')}.` }
  const where = /^where\s+([\s\S]+)$/i.exec(t)
  if (where) return { watch: { type: 'where', expr: where[1]!.trim() } }
  const slot = SLOT.exec(t)
  if (slot) {
    if (slot[2]!.toLowerCase() === 'root') return { watch: { type: 'slot', vcpu: Number(slot[1]), slot: 0 } }
    const i = Number(slot[3])
    if (i > 2) return { error: `prev_roots has 3 slots: prev_roots[0] to prev_roots[2] (not ${i}).` }
    return { watch: { type: 'slot', vcpu: Number(slot[1]), slot: i + 1 } }
  }
  const req = REQUESTS.exec(t)
  if (req) return { watch: { type: 'requests', vcpu: Number(req[1]) } }
  const page = PAGE.exec(t)
  if (page) {
    const sp = Number(page[1])
    if (sp < 1) return { error: 'Shadow page ids start at 1.' }
    const field = page[2]
    // the field's name is checked by the Node side, which lists the allowed ones
    if (field === undefined) return { watch: { type: 'page', sp } }
    return { watch: { type: 'page', sp, field: field as NonNullable<Extract<Watch, { type: 'page' }>['field']> } }
  }
  if (/[=<>]|\b(?:and|or|not|in|like|is|between)\b/i.test(t)) return { watch: { type: 'where', expr: t } }
  return { error: `"${t.length > 40 ? `${t.slice(0, 40)}…` : t}" is not a watch: try ${WATCH_EXAMPLES.join(', or ')}.` }
}
