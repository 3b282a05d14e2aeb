/**
 * Flag parsing for the commands (node:util parseArgs, strict), with the CLI's error style: one
 * line naming the flag and what is allowed, raised as UsageError (exit status 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from './io'
import { clip } from '../../sim/quote'

export type Options = NonNullable<ParseArgsConfig['options']>

export interface Parsed {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

export function parse(argv: string[], options: Options, positionals: { min: number; max: number; names: string }): Parsed {
  let r
  try {
    r = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (e) {
    const msg = (e as Error).message
    const m = /Unknown option '([^']+)'/.exec(msg)
    if (m) throw new UsageError(`unknown option ${clip(m[1]!)}`)
    const v = /Option '([^']+)' argument missing/.exec(msg)
    if (v) throw new UsageError(`option ${(v[1] ?? '').split(',').pop()!.trim().replace(/ <value>$/, '')} needs a value`)
    throw new UsageError(msg.split('\n')[0]!.replace(/\.$/, ''))
  }
  const values = r.values as Record<string, string | boolean | undefined>
  if (values.help) return { values, positionals: r.positionals }
  if (r.positionals.length < positionals.min) throw new UsageError(`missing ${positionals.names}`)
  if (r.positionals.length > positionals.max) throw new UsageError(`unexpected argument "${clip(r.positionals[positionals.max]!)}"`)
  return { values, positionals: r.positionals }
}

/** An integer flag value in [min, max]. */
export function intFlag(values: Parsed['values'], name: string, min: number, max: number): number | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const s = String(raw)
  if (!/^-?\d+$/.test(s)) throw new UsageError(`--${name} must be an integer, got "${clip(s)}"`)
  const n = Number(s)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${clip(s)}`)
  return n
}

/** A seq argument: a non-negative integer, or "end" if allowed. */
export function seqFlag(values: Parsed['values'], name: string, allowEnd: boolean): number | 'end' | undefined {
  const raw = values[name]
  if (raw === undefined) return undefined
  const s = String(raw)
  if (allowEnd && s === 'end') return 'end'
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw new UsageError(`--${name} must be a transition number${allowEnd ? ' (0 = initial state) or "end"' : ''}, got "${clip(s)}"`)
  }
  return Number(s)
}
