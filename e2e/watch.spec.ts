/**
 * Watches, reverse-continue, the history with values, the back/forward stack of jumps, and bad
 * seqs in the address or the Go-to box — as a user meets them in the browser through
 * `rootlab serve` and the real session layer. The answers are checked against the API's own
 * history of the watched slot (fieldChanges), which the session tests hold to a full replay.
 */
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'

test.use({ viewport: { width: 1600, height: 1000 } })

const seqBox = (page: Page): Locator => page.getByLabel('Go to seq')
const SHOTS = resolve(import.meta.dirname, '..', 'docs', 'screenshots')

async function seqShown(page: Page): Promise<number> {
  await waitForIdle(page)
  return Number(await seqBox(page).inputValue())
}

async function axe(page: Page, where: string): Promise<void> {
  const r = await new AxeBuilder({ page }).analyze()
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
}

/** The seqs at which vCPU 1's prev_roots[0] changes, from the API. */
async function slotChanges(lab: { serve: { api: <T>(n: string, a: unknown) => Promise<{ ok: true; value: T } | { ok: false; error: string }> } }): Promise<number[]> {
  const open = await lab.serve.api<{ session: string }>('openDefaultSession', {})
  if (!open.ok) throw new Error(open.error)
  const r = await lab.serve.api<{ changes: { seq: number }[] }>('fieldChanges', { session: open.value.session, field: { type: 'slot', vcpu: 1, slot: 1 }, limit: 5000 })
  if (!r.ok) throw new Error(r.error)
  return r.value.changes.map((c) => c.seq)
}

test('a watch on a root slot: continue (F8) and reverse-continue (Shift+F8) stop where it changes; the list is kept in the file', async ({ lab, page }) => {
  const changes = await slotChanges(lab)
  expect(changes.length).toBeGreaterThan(4)
  await lab.open()
  await page.keyboard.press('Home')
  expect(await seqShown(page)).toBe(0)
  await page.getByRole('tab', { name: /^Watches/ }).click()
  await page.getByLabel('Watch', { exact: true }).fill('vcpu 1 prev_roots[0]')
  await page.getByRole('button', { name: 'Add watch' }).click()
  await expect(page.getByRole('list', { name: 'Watches' })).toContainText('vcpu 1 prev_roots[0]')
  await waitForIdle(page)
  await axe(page, 'Watches tab')

  await page.keyboard.press('F8')
  expect(await seqShown(page)).toBe(changes[0])
  await expect(page.getByRole('status').filter({ hasText: 'watch: vcpu 1 prev_roots[0]' })).toBeVisible()
  await expect(page.getByRole('list', { name: 'Watches' }).getByText('changed here')).toBeVisible()
  await page.keyboard.press('F8')
  expect(await seqShown(page)).toBe(changes[1])
  await page.keyboard.press('F8')
  expect(await seqShown(page)).toBe(changes[2])
  await page.keyboard.press('Shift+F8')
  expect(await seqShown(page)).toBe(changes[1])
  // the README's picture: a watch that just fired, its history beside it
  await page.getByRole('region', { name: 'vCPU 1', exact: true }).getByRole('group', { name: 'prev_roots[0]', exact: true }).click()
  await page.getByRole('tab', { name: /^Watches/ }).click()
  await waitForIdle(page)
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(SHOTS, 'watch.png') })
  await page.getByRole('button', { name: '◀ Reverse-continue' }).click()
  expect(await seqShown(page)).toBe(changes[0])
  await page.keyboard.press('Shift+F8')
  await waitForIdle(page)
  await expect(page.getByText(`no watch changes before seq ${changes[0]!.toLocaleString('en-US')}`)).toBeVisible()

  // an invalid watch is refused with the reason; an unticked one is not continued to
  await page.getByLabel('Watch', { exact: true }).fill('vcpu 9 root')
  await page.getByRole('button', { name: 'Add watch' }).click()
  await expect(page.getByRole('alert')).toContainText('vcpu 9 does not exist (the session has vCPUs 0 to 3)')
  await page.getByRole('checkbox', { name: 'vcpu 1 prev_roots[0]' }).uncheck()
  await waitForIdle(page)
  await page.keyboard.press('F8')
  await expect(page.getByText('every watch is disabled')).toBeVisible()

  // kept in the session file: a reload shows it again, unticked
  await page.reload()
  await waitForIdle(page)
  await page.getByRole('tab', { name: /^Watches/ }).click()
  await expect(page.getByRole('checkbox', { name: 'vcpu 1 prev_roots[0]' })).not.toBeChecked()
  await page.getByRole('button', { name: 'Remove watch vcpu 1 prev_roots[0]' }).click()
  await expect(page.getByText('No watches yet.')).toBeVisible()
})

test('a condition watch (SQL over the transitions) stops where it holds, forward and backward', async ({ lab, page }) => {
  const open = await lab.serve.api<{ session: string }>('openDefaultSession', {})
  if (!open.ok) throw new Error(open.error)
  const frees = await lab.serve.api<{ seq: number }[]>('transitions', { session: open.value.session, from: 1, kinds: ['kvm_mmu_free_roots'], vcpu: 2, limit: 3 })
  if (!frees.ok) throw new Error(frees.error)
  await lab.open()
  await page.keyboard.press('Home')
  expect(await seqShown(page)).toBe(0)
  await page.getByRole('tab', { name: /^Watches/ }).click()
  await page.getByLabel('Watch', { exact: true }).fill("where kind = 'kvm_mmu_free_roots' AND vcpu = 2")
  await page.getByRole('button', { name: 'Add watch' }).click()
  await expect(page.getByRole('list', { name: 'Watches' })).toContainText("where kind = 'kvm_mmu_free_roots' AND vcpu = 2")
  await waitForIdle(page)
  await page.keyboard.press('F8')
  expect(await seqShown(page)).toBe(frees.value[0]!.seq)
  await page.keyboard.press('F8')
  expect(await seqShown(page)).toBe(frees.value[1]!.seq)
  await page.keyboard.press('Shift+F8')
  expect(await seqShown(page)).toBe(frees.value[0]!.seq)
  // a condition the SQL engine refuses is said when it is added
  await page.getByLabel('Watch', { exact: true }).fill('where nosuch = 1')
  await page.getByRole('button', { name: 'Add watch' }).click()
  await expect(page.getByRole('alert')).toContainText('SQL: no such column: nosuch')
  await page.getByRole('button', { name: "Remove watch where kind = 'kvm_mmu_free_roots' AND vcpu = 2" }).click()
  await expect(page.getByText('No watches yet.')).toBeVisible()
})

test('the history lists each change with its value before and after, and , / . walk it', async ({ lab, page }) => {
  const changes = await slotChanges(lab)
  await lab.open()
  const card = page.getByRole('region', { name: 'vCPU 1', exact: true })
  await card.getByRole('group', { name: 'prev_roots[0]', exact: true }).click()
  const table = page.getByRole('table', { name: 'Changes of vCPU 1 prev_roots[0]' })
  await expect(table).toHaveAttribute('aria-rowcount', String(changes.length + 1))
  const first = table.locator('tbody tr[data-seq]').first()
  await expect(first).toContainText(String(changes[0]))
  await expect(first).toContainText(/INVALID_PAGE → sp \d+ pgd 0x[0-9a-f]+/)
  await page.keyboard.press('.')
  expect(await seqShown(page)).toBe(changes[0])
  await page.keyboard.press('.')
  expect(await seqShown(page)).toBe(changes[1])
  await expect(table.locator(`tbody tr[data-seq="${changes[1]}"]`)).toHaveClass(/shown/)
  await page.keyboard.press(',')
  expect(await seqShown(page)).toBe(changes[0])
  // "Watch" keeps the followed field as a watch
  await page.getByRole('button', { name: 'Watch', exact: true }).click()
  await expect(page.getByRole('list', { name: 'Watches' })).toContainText('vcpu 1 prev_roots[0]')
  await axe(page, 'history')
  await page.getByRole('button', { name: 'Remove watch vcpu 1 prev_roots[0]' }).click()
})

test('jumps go on a back/forward stack: Alt+Left / Alt+Right and the browser\'s Back / Forward walk it', async ({ lab, page }) => {
  await lab.open()
  await seqBox(page).fill('100')
  await seqBox(page).press('Enter')
  expect(await seqShown(page)).toBe(100)
  await seqBox(page).press('Escape') // leave the box: arrows step again
  await page.keyboard.press('ArrowRight') // a step is not a jump
  await page.keyboard.press('ArrowRight')
  expect(await seqShown(page)).toBe(102)
  await page.getByRole('button', { name: 'Next root zap' }).click()
  const zap = await seqShown(page)
  expect(zap).toBeGreaterThan(102)
  await expect(page).toHaveURL(new RegExp(`[?&]seq=${zap}(&|$)`))

  await page.keyboard.press('Alt+ArrowLeft')
  expect(await seqShown(page)).toBe(102)
  await expect(page).toHaveURL(/[?&]seq=102(&|$)/)
  await page.keyboard.press('Alt+ArrowLeft')
  expect(await seqShown(page)).toBe(0)
  await page.keyboard.press('Alt+ArrowRight')
  expect(await seqShown(page)).toBe(102)
  // the browser's own Back / Forward walk the same entries
  await page.goForward()
  expect(await seqShown(page)).toBe(zap)
  await page.goBack()
  expect(await seqShown(page)).toBe(102)
  await page.goBack()
  expect(await seqShown(page)).toBe(0)
  await axe(page, 'after back and forward')
})

test('a bad seq in the address or the Go-to box gets a notice, and the address is corrected', async ({ lab, page }) => {
  const open = await lab.serve.api<{ transitions: number }>('openDefaultSession', {})
  if (!open.ok) throw new Error(open.error)
  const last = open.value.transitions
  for (const [bad, shown] of [['abc', 0], ['-5', 0], ['1.5', 0], [String(last + 1000), last]] as const) {
    await page.goto(`${lab.serve.pageUrl()}&seq=${encodeURIComponent(bad)}`)
    await waitForIdle(page)
    const notice = page.getByRole('status').filter({ hasText: 'The address asks for seq' })
    await expect(notice).toContainText(bad === String(last + 1000) ? 'is past the end' : `"${bad}" is not a transition number`)
    expect(await seqShown(page)).toBe(shown)
    await expect(page).toHaveURL(new RegExp(`[?&]seq=${shown}(&|$)`))
    if (bad === 'abc') await axe(page, 'bad seq notice')
  }
  await seqBox(page).fill('1.5')
  await seqBox(page).press('Enter')
  await expect(page.getByRole('status').filter({ hasText: 'Go to seq: "1.5" is not a transition number' })).toBeVisible()
  await expect(seqBox(page)).toHaveValue(String(last))
  await seqBox(page).fill(String(last + 1))
  await seqBox(page).press('Enter')
  await expect(page.getByRole('status').filter({ hasText: 'is past the end' })).toBeVisible()
})

test('the findings list shows every finding, and groups them by shadow page with each zombie\'s lifetime', async ({ lab, page }) => {
  const out = 'buggy-findings.rootlab'
  const started = await lab.serve.api('startRecording', {
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: 3000, seed: 1 }, policy: 'free-obsolete-buggy', out,
  })
  expect(started.ok, JSON.stringify(started)).toBe(true)
  let info: { session: string; findings: number; transitions: number } | undefined
  await expect.poll(async () => {
    const r = await lab.serve.api<{ open: { session: string; path: string; complete: boolean; findings: number; transitions: number }[] }>('listSessions', {})
    info = r.ok ? r.value.open.find((s) => s.path.endsWith(out) && s.complete) : undefined
    return info !== undefined
  }, { timeout: 60_000 }).toBe(true)
  expect(info!.findings).toBeGreaterThan(1000)
  const last = await lab.serve.api<{ seq: number }>('findTransition', { session: info!.session, from: info!.transitions + 1, direction: 'prev', target: 'finding' })
  if (!last.ok) throw new Error(last.error)

  await lab.open({ file: out })
  await page.getByRole('tab', { name: /^Findings/ }).click()
  const table = page.getByRole('table', { name: 'Findings', exact: true })
  await expect(table).toHaveAttribute('aria-rowcount', String(info!.findings + 1))
  await expect(page.getByText(`${info!.findings.toLocaleString('en-US')} findings`)).toBeVisible()
  // the last finding is in the list: scroll to the end
  await table.locator('xpath=..').evaluate((el) => { el.scrollTop = el.scrollHeight })
  await expect(table.locator(`tbody tr[aria-rowindex="${info!.findings + 1}"]`)).toContainText(String(last.value.seq))
  await axe(page, 'findings, every one')

  await page.getByLabel('Group by shadow page').check()
  const groups = await lab.serve.api<{ groups: { sp: number | null; findings: number; reports: number; zapped_at: number | null; evicted_at: number | null; freed_at: number | null }[]; zombies: number }>(
    'findingGroups', { session: info!.session })
  if (!groups.ok) throw new Error(groups.error)
  const g = groups.value.groups.find((x) => x.zapped_at !== null && x.evicted_at !== null)!
  await expect(page.getByTestId('zombie-summary')).toContainText(`${groups.value.zombies.toLocaleString('en-US')} became zombies`)
  const byPage = page.getByRole('table', { name: 'Findings by shadow page' })
  const row = byPage.locator('tbody tr', { has: page.getByRole('button', { name: `sp ${g.sp}`, exact: true }) })
  await expect(row).toContainText(`${g.findings} (${g.reports})`)
  await expect(row).toContainText(String(g.zapped_at))
  await expect(row).toContainText(String(g.evicted_at))
  await row.getByRole('button', { name: String(g.evicted_at), exact: true }).click()
  expect(await seqShown(page)).toBe(g.evicted_at)
  await axe(page, 'findings by shadow page')
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(SHOTS, 'findings-by-page.png') })
  // the jump to the eviction went on the stack: back returns
  await page.keyboard.press('Alt+ArrowLeft')
  expect(await seqShown(page)).not.toBe(g.evicted_at)
})
