/**
 * The meta values a session file must hold to be read as Root Lab wrote it. They are text in a
 * table anyone can edit; read unchecked, `vcpus = 'abc'` or `4000000000` became NaN or an
 * allocation of four billion vCPUs, and `params = '{'` an engine's JSON error. Checked once, on
 * open; a file that fails is damaged, and the message says which value and why (quoted bounded,
 * sim/quote.ts).
 */
import { MAX_VCPUS } from '../../sim/constants'
import { quote } from '../../sim/quote'

/** Largest n_max_mmu_pages a scenario accepts (sim/scenarios: 1,000,000), with room for imports. */
const MAX_N_MAX_MMU_PAGES = 1 << 24

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v)
  } catch {
    return false
  }
}

const intIn = (text: string | null | undefined, min: number, max: number): boolean =>
  text !== null && text !== undefined && /^-?\d{1,16}$/.test(text) && Number(text) >= min && Number(text) <= max

/** Why the meta values cannot be Root Lab's (one phrase), or null when they can. */
export function metaProblem(m: ReadonlyMap<string, string | null>): string | null {
  const v = (k: string) => m.get(k)
  if (!intIn(v('vcpus'), 1, MAX_VCPUS)) return `meta "vcpus" must be an integer from 1 to ${MAX_VCPUS}, got ${quote(v('vcpus'))}`
  if (v('complete') !== '0' && v('complete') !== '1') return `meta "complete" must be 0 or 1, got ${quote(v('complete'))}`
  const nMax = v('n_max_mmu_pages')
  if (nMax !== undefined && nMax !== null && !intIn(nMax, 1, MAX_N_MAX_MMU_PAGES)) {
    return `meta "n_max_mmu_pages" must be an integer from 1 to ${MAX_N_MAX_MMU_PAGES}, got ${quote(nMax)}`
  }
  const seed = v('seed')
  if (seed !== undefined && seed !== null && !intIn(seed, -(2 ** 53), 2 ** 53)) return `meta "seed" must be an integer, got ${quote(seed)}`
  for (const k of ['params', 'summary']) {
    const text = v(k)
    if (text !== undefined && text !== null && !isJsonObject(text)) return `meta "${k}" must be a JSON object, got ${quote(text)}`
  }
  return null
}
