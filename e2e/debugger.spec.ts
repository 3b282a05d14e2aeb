/**
 * The time-travel debugger as a user meets it in a browser, through `rootlab serve` and the real
 * session layer (e2e/helpers/lab.ts). Each test is named as what the user sees. The run also
 * writes the screenshots of the main views to docs/screenshots/.
 */
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Locator, Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'
import { recordChurn } from './helpers/views'

const SHOTS = resolve(import.meta.dirname, '..', 'docs', 'screenshots')

test.use({ viewport: { width: 1600, height: 1000 } })

async function shot(page: Page, name: string): Promise<void> {
  await waitForIdle(page)
  await page.mouse.move(0, 0)
  await page.screenshot({ path: join(SHOTS, `${name}.png`) })
}

async function click(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click()
  await waitForIdle(page)
}

const seqBox = (page: Page): Locator => page.getByLabel('Go to seq')
const vcpu = (page: Page, id: number): Locator => page.getByRole('region', { name: `vCPU ${id}`, exact: true })
const field = (page: Page, name: string): Locator =>
  page.getByRole('table', { name: 'Fields' }).locator('tr', { has: page.locator(`th:text-is("${name}")`) }).locator('td')
/** The root slots (in the vCPU cards) that hold shadow page `sp`. */
const slotsHolding = (page: Page, sp: string): Locator => page.locator(`section[aria-label^="vCPU "] [role=group][data-sp="${sp}"]`)
const invalidBadge = (l: Locator): Locator => l.locator('.badge', { hasText: /^invalid$/ })

test('the default session opens and shows every vCPU with its four root slots', async ({ lab, page }) => {
  await lab.open()
  const info = await lab.serve.api<{ open: { vcpus: number }[] }>('listSessions', {})
  const n = info.ok ? info.value.open[0]!.vcpus : 4
  for (let id = 0; id < n; id++) {
    const card = vcpu(page, id)
    await expect(card).toBeVisible()
    for (const slot of ['current root', 'prev_roots[0]', 'prev_roots[1]', 'prev_roots[2]']) {
      await expect(card.getByRole('group', { name: slot, exact: true })).toBeVisible()
    }
  }
  await expect(vcpu(page, n)).toHaveCount(0)
  await expect(seqBox(page)).toHaveValue('0')
  await expect(page.getByText('INVALID_PAGE').first()).toBeVisible()
  await shot(page, 'start')
})

test('"Next root zap" moves to a root zap and the zapped root\'s slot shows it invalid; "Step back" restores it', async ({ lab, page }) => {
  await lab.open()
  await click(page, 'Next root zap')
  const seq = Number(await seqBox(page).inputValue())
  expect(seq).toBeGreaterThan(0)
  await expect(page.getByRole('heading', { name: /Inspector/ })).toContainText(`seq ${seq}`)
  await expect(page.locator('#inspector-title + .body .kind .k')).toHaveText('kvm_mmu_prepare_zap_page')
  await expect(page.getByText('models mmu.c: __kvm_mmu_prepare_zap_page()')).toBeVisible()
  const sp = (await field(page, 'sp').innerText()).trim()
  const held = slotsHolding(page, sp)
  await expect(held.first()).toBeVisible()
  await expect(invalidBadge(held.first())).toBeVisible()
  // the current transition is marked in the log, and the step is highlighted in the cards
  await expect(page.locator('[role=row][aria-current=true]')).toContainText('kvm_mmu_prepare_zap_page')
  await expect(held.first()).toHaveClass(/changed/)
  await shot(page, 'root-zap')

  await click(page, 'Step back')
  await expect(seqBox(page)).toHaveValue(String(seq - 1))
  await expect(held.first()).toBeVisible()
  await expect(invalidBadge(held)).toHaveCount(0)

  await click(page, 'Step forward')
  await expect(invalidBadge(held.first())).toBeVisible()
})

test('a free-obsolete-buggy session\'s first finding leads to the zombie prev root', async ({ lab, page }) => {
  const file = await recordChurn(lab.serve, 'free-obsolete-buggy', 'buggy.rootlab')
  await lab.open({ file })
  await expect(page.getByRole('banner', { name: 'Session' })).toContainText('free-obsolete-buggy')
  await click(page, 'Next finding')
  await expect(field(page, 'rule')).toHaveText('obsolete_root_kept')
  // the slot at fault: a prev root (slot >= 1) that still holds the zapped, invalid root
  const fault = page.locator('section[aria-label^="vCPU "] [role=group][data-fault=true]')
  await expect(fault).toHaveCount(1)
  await expect(fault).toHaveAttribute('aria-label', /^prev_roots\[[0-2]\]$/)
  await expect(invalidBadge(fault)).toBeVisible()
  await expect(fault).toHaveAttribute('data-sp', (await field(page, 'sp').innerText()).trim())
  // the cause chain goes back to the request and the zap that made the root obsolete
  const chain = page.getByRole('region', { name: 'Caused by' })
  await expect(chain).toContainText('kvm_mmu_free_obsolete_roots')
  await expect(chain).toContainText('kvm_mmu_prepare_zap_page')
  await shot(page, 'finding')

  await page.getByRole('tab', { name: /Findings/ }).click()
  await expect(page.getByRole('table', { name: 'Findings' })).toContainText('obsolete_root_kept')
  await shot(page, 'findings-list')
})

test('compare shows the first divergence between the fixed and the buggy kernel', async ({ lab, page }) => {
  await lab.open()
  await page.getByLabel('Re-run under').selectOption('free-obsolete-buggy')
  await page.getByRole('button', { name: 'Re-run and compare' }).click()
  const divergence = page.getByTestId('first-divergence')
  await expect(divergence).toBeVisible({ timeout: 60_000 })
  await expect(divergence).toContainText(/first divergence: op \d+/)
  await expect(page.getByRole('table', { name: 'Stats and counters per policy' })).toContainText('mmu_shadow_zapped')
  await click(page, 'Go to first divergence')
  const b = page.getByRole('region', { name: 'Session B at the locked operation' })
  await expect(b).toContainText('diverged')
  await expect(invalidBadge(b.locator('[role=group]')).first()).toBeVisible()
})

test('a bookmark survives export and reopen', async ({ lab, page }) => {
  await lab.open()
  await seqBox(page).fill('120')
  await seqBox(page).press('Enter')
  await waitForIdle(page)
  await page.getByLabel('Bookmark note').fill('before the first zap')
  await click(page, 'Add bookmark')
  await page.getByRole('tab', { name: /Bookmarks/ }).click()
  await expect(page.getByRole('table', { name: 'Bookmarks' })).toContainText('before the first zap')

  await click(page, 'Export…')
  const out = join(lab.serve.dir, 'with-bookmark.rootlab')
  await page.getByLabel('Write to (path)').fill(out)
  await page.getByRole('button', { name: 'Export', exact: true }).click()
  await expect(page.getByRole('dialog').getByRole('status')).toContainText('with-bookmark.rootlab')
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click()

  // reopen the exported copy in a fresh page, from its link
  await lab.open({ file: 'with-bookmark.rootlab' })
  await expect(page.getByRole('banner', { name: 'Session' })).toContainText('with-bookmark.rootlab')
  await page.getByRole('tab', { name: /Bookmarks/ }).click()
  const table = page.getByRole('table', { name: 'Bookmarks' })
  await expect(table).toContainText('before the first zap')
  await expect(table).toContainText('120')
  await shot(page, 'bookmarks')
})

test('the SQL console answers a query and refuses a write', async ({ lab, page }) => {
  await lab.open()
  await page.getByRole('tab', { name: 'SQL console' }).click()
  await click(page, 'Run query')
  await expect(page.getByRole('table', { name: 'Query result' })).toContainText('root_count')
  await shot(page, 'sql-console')

  const editor = page.getByRole('textbox', { name: 'SQL query' })
  await editor.click()
  await page.keyboard.press('Control+A')
  await page.keyboard.type('DELETE FROM bookmarks')
  await click(page, 'Run query')
  const error = page.getByRole('tabpanel').getByRole('alert')
  await expect(error).toContainText('DELETE')
  await expect(page.getByRole('table', { name: 'Query result' })).toHaveCount(0)
})

test('keyboard shortcuts step, jump, play and open the help', async ({ lab, page }) => {
  await lab.open()
  await page.locator('body').click({ position: { x: 5, y: 5 } })
  await page.keyboard.press('ArrowRight')
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue('1')
  await page.keyboard.press('ArrowLeft')
  await expect(seqBox(page)).toHaveValue('0')

  const zap = await lab.serve.api<{ seq: number }>('findTransition', {
    session: (await lab.serve.api<{ open: { session: string }[] }>('listSessions', {}) as { value: { open: { session: string }[] } }).value.open[0]!.session,
    from: 0, direction: 'next', target: 'root_zap',
  })
  await page.keyboard.press('Shift+ArrowRight')
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue(String(zap.ok ? zap.value.seq : -1))
  await page.keyboard.press('Shift+ArrowLeft')
  await waitForIdle(page)
  await expect(page.getByRole('status').filter({ hasText: 'no previous root zap' })).toBeVisible()

  await page.keyboard.press('End')
  await waitForIdle(page)
  await expect(page.getByRole('button', { name: 'Step forward' })).toBeDisabled()
  await page.keyboard.press('Home')
  await expect(seqBox(page)).toHaveValue('0')

  await page.keyboard.press('g')
  await expect(seqBox(page)).toBeFocused()
  await page.keyboard.type('42')
  await page.keyboard.press('Enter')
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue('42')
  await expect(page).toHaveURL(/seq=42/)

  await page.locator('body').click({ position: { x: 5, y: 5 } })
  await page.keyboard.press(' ')
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible()
  await page.keyboard.press(' ')
  await expect(page.getByRole('button', { name: 'Play', exact: true })).toBeVisible()

  await page.keyboard.press('?')
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' })
  await expect(help).toBeVisible()
  await shot(page, 'shortcuts')
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()
})

test('the history of a slot lists when it changed, and "Next change" goes there', async ({ lab, page }) => {
  await lab.open()
  await vcpu(page, 0).getByRole('button', { name: 'History of vCPU 0 prev_roots[0]' }).click()
  await waitForIdle(page)
  const history = page.getByRole('region', { name: /^History/ })
  await expect(history).toContainText('vCPU 0 prev_roots[0]')
  const changes = history.getByRole('table', { name: 'Changes of vCPU 0 prev_roots[0]' }).locator('tbody').getByRole('button')
  await expect(changes.first()).toBeVisible()
  const first = (await changes.first().innerText()).trim()
  await history.getByRole('button', { name: 'Next change' }).click()
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue(first)
  await expect(vcpu(page, 0).getByRole('group', { name: 'prev_roots[0]', exact: true })).toHaveClass(/changed/)
  await shot(page, 'history')
})

test('a link to a moment restores it', async ({ lab, page }) => {
  await lab.open()
  await seqBox(page).fill('300')
  await seqBox(page).press('Enter')
  await waitForIdle(page)
  await expect(page).toHaveURL(/file=.*&seq=300/)
  await page.reload()
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue('300')
  await expect(page.getByRole('heading', { name: /Inspector/ })).toContainText('seq 300')
})

test('dragging on the timeline scrubs the cursor, and the shadow-page table follows', async ({ lab, page }) => {
  await lab.open()
  const canvas = page.getByRole('slider', { name: 'Timeline cursor' }).locator('canvas')
  const box = (await canvas.boundingBox())!
  await page.mouse.move(box.x + 10, box.y + box.height / 2)
  await page.mouse.down()
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + 10 + i * 40, box.y + box.height / 2)
  await page.mouse.up()
  await waitForIdle(page)
  const seq = Number(await seqBox(page).inputValue())
  expect(seq).toBeGreaterThan(0)
  await expect(page.getByRole('heading', { name: /vCPUs/ })).toContainText(`at seq ${seq}`)
  await page.getByRole('tab', { name: 'Shadow pages' }).click()
  await expect(page.getByRole('table', { name: 'Shadow pages' }).locator('tbody tr').first()).toBeVisible()
  await shot(page, 'shadow-pages')
})

test('opening a corrupt file shows the clear error', async ({ lab, page }) => {
  writeFileSync(join(lab.serve.dir, 'corrupt.rootlab'), 'this is not a session '.repeat(200))
  await lab.open({ file: 'corrupt.rootlab' })
  const alert = page.getByRole('alert')
  await expect(alert).toBeVisible()
  await expect(alert).toContainText('corrupt.rootlab')
  await expect(alert).toContainText('is not a Root Lab session')
  await shot(page, 'corrupt-file')
})

test('the debugger has no serious or critical accessibility violations', async ({ lab, page }) => {
  // Six full axe passes over a page of a few thousand nodes: about 20 s on a quiet 2-core
  // machine, three times that under load; the check is what matters here, not its speed.
  test.setTimeout(240_000)
  await lab.open()
  await click(page, 'Next root zap')
  const check = async (where: string): Promise<void> => {
    const r = await new AxeBuilder({ page }).analyze()
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    expect(bad.map((v) => `${where}: ${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([])
  }
  await check('main view')
  for (const tab of ['Shadow pages', 'Findings', 'Bookmarks', 'SQL console', 'Compare']) {
    await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click()
    await waitForIdle(page)
    await check(tab)
  }
})

test.describe('in the dark theme', () => {
  test.use({ colorScheme: 'dark' })
  test('the debugger follows the system theme', async ({ lab, page }) => {
    await lab.open()
    await click(page, 'Next root zap')
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    expect(bg).toBe('rgb(14, 17, 22)')
    const r = await new AxeBuilder({ page }).analyze()
    expect(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`)).toEqual([])
    await shot(page, 'dark')
  })
})
