/**
 * What a client of the model needs to know about it to show it, as data: the policies and the
 * kernels they stand for, every transition kind with its fields (in canonical order, and the
 * key fields a one-line display shows first), the request names in bit order, the fields that
 * are bit masks, and the level of a root shadow page. The debugger gets it through the LabApi
 * (the `catalog` request), never by importing this package.
 */
import { PT64_ROOT_4LEVEL } from './constants'
import { fields_key_first, MASK_FIELDS } from './key_fields'
import { REQUESTS } from './requests'
import { TRANSITION_KINDS, transition_fields } from './transitions'
import { POLICIES, POLICY_KERNEL, type Policy } from './types'

export interface LabCatalog {
  /** The policies a session can be recorded under, and the kernel each stands for. */
  policies: { policy: Policy; kernel: string }[]
  /** Every transition kind: its fields in canonical order, and the ones a one-line display shows first. */
  kinds: { kind: string; fields: string[]; key: string[] }[]
  /** Request names in bit order: bit i of vcpu->requests is requests[i]. */
  requests: string[]
  /** Fields whose value is a bit mask (shown in hex). */
  mask_fields: string[]
  /** The level of a root shadow page (PT64_ROOT_4LEVEL). */
  root_level: number
}

export function lab_catalog(): LabCatalog {
  return {
    policies: POLICIES.map((policy) => ({ policy, kernel: POLICY_KERNEL[policy] })),
    kinds: TRANSITION_KINDS.map((kind) => ({ kind, fields: [...transition_fields(kind)], key: [...fields_key_first(kind).key] })),
    requests: [...REQUESTS],
    mask_fields: [...MASK_FIELDS],
    root_level: PT64_ROOT_4LEVEL,
  }
}
