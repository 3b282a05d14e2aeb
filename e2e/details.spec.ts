/**
 * The small things of the debugger a KVM developer trips over (issue 12, part 3): exporting
 * twice, `b`, findings so far, the arrow keys with a tab focused, the log's key fields, the
 * inspector's before/after, one moment per frame while playing, the same words as the CLI.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, waitForIdle } from './helpers/lab'
import { expectAccessible, recordChurn, seqBox, sessionId, vcpuCard } from './helpers/views'

test.use({ viewport: { width: 1600, height: 1000 } })

test('the Export dialog exports again after a format change', async ({ lab, page }) => {
  await lab.open()
  await page.getByRole('button', { name: 'Export…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export the session' })
  const db = join(lab.serve.dir, 'twice.rootlab')
  await dialog.getByLabel('Write to (path)').fill(db)
  await dialog.getByRole('button', { name: 'Export', exact: true }).click()
  await expect(dialog.getByRole('status')).toContainText('twice.rootlab')
  await dialog.getByLabel('Format').selectOption('perfetto')
  await expect(dialog.getByLabel('Write to (path)')).toHaveValue(join(lab.serve.dir, 'twice.json'))
  await expect(dialog.getByRole('status')).toHaveCount(0)
  await expectAccessible(page, 'export dialog', 'dialog[open]')
  await dialog.getByRole('button', { name: 'Export', exact: true }).click()
  await expect(dialog.getByRole('status')).toContainText('twice.json')
  expect(existsSync(db)).toBe(true)
  expect(existsSync(join(lab.serve.dir, 'twice.json'))).toBe(true)
})

test('`b` adds a bookmark at the current seq, as the help says', async ({ lab, page }) => {
  await lab.open()
  await seqBox(page).fill('77')
  await seqBox(page).press('Enter')
  await waitForIdle(page)
  await page.locator('body').click({ position: { x: 5, y: 5 } })
  await page.keyboard.press('b')
  await waitForIdle(page)
  await expect(page.getByRole('status').filter({ hasText: 'bookmark added at seq 77' })).toBeVisible()
  await page.getByRole('tab', { name: /Bookmarks/ }).click()
  await expect(page.getByRole('table', { name: 'Bookmarks' })).toContainText('77')
  await page.keyboard.press('?')
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toContainText('Add a bookmark at the current seq')
})

test('the header shows the findings so far and in all', async ({ lab, page }) => {
  const file = await recordChurn(lab.serve, 'free-obsolete-buggy', 'buggy-header.rootlab')
  await lab.open({ file })
  const header = page.getByRole('banner', { name: 'Session' })
  const total = await lab.serve.api<{ findings: number }>('sessionInfo', { session: await sessionId(lab.serve, file) })
  const all = total.ok ? total.value.findings : -1
  expect(all).toBeGreaterThan(1)
  await expect(header.getByTestId('findings-so-far')).toHaveText('0')
  await expect(header.getByTestId('findings-total')).toHaveText(all.toLocaleString('en-US'))
  await page.getByRole('button', { name: 'Next finding' }).click()
  await waitForIdle(page)
  await expect(header.getByTestId('findings-so-far')).toHaveText('1')
  await page.keyboard.press('End')
  await waitForIdle(page)
  await expect(header.getByTestId('findings-so-far')).toHaveText(all.toLocaleString('en-US'))
})

test('← and → keep stepping while a bottom tab has the focus', async ({ lab, page }) => {
  await lab.open()
  const tab = page.getByRole('tab', { name: /^Findings/ })
  await tab.click()
  await expect(tab).toBeFocused()
  await page.keyboard.press('ArrowRight')
  await waitForIdle(page)
  await page.keyboard.press('ArrowRight')
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue('2')
  await expect(tab).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('ArrowLeft')
  await waitForIdle(page)
  await expect(seqBox(page)).toHaveValue('1')
  // every tab is reachable with Tab and chosen with Enter
  await page.keyboard.press('Tab')
  await page.keyboard.press('Enter')
  await expect(page.getByRole('tab', { name: /^Bookmarks/ })).toHaveAttribute('aria-selected', 'true')
})

test('the log shows a zap\'s key fields first and the rest in a tooltip; the cards say "out of guest"', async ({ lab, page }) => {
  await lab.open()
  await page.getByRole('button', { name: 'Next root zap' }).click()
  await waitForIdle(page)
  const fields = page.locator('[role=row][aria-current=true] .c-fields')
  await expect(fields).toHaveText(/^sp=\d+ gfn=0x[0-9a-f]+ level=4 root_count=\d+ reason=\w+ …$/)
  await expect(fields).toHaveAttribute('title', /reason=\w+ mmu_valid_gen=\d+ invalid=false unsync=false zapped_root=(true|false)$/)
  await expect(vcpuCard(page, 0).getByText(/^(in guest|out of guest)$/)).toBeVisible()
  await expect(page.getByText('in host')).toHaveCount(0)
})

test('the inspector\'s before/after shows a freed slot as INVALID_PAGE, not as JSON', async ({ lab, page }) => {
  await lab.open()
  const free = await lab.serve.api<{ seq: number; vcpu: number; slot: number }>('findTransition', {
    session: await sessionId(lab.serve), from: 0, direction: 'next', target: { kind: 'mmu_free_root_page' },
  })
  if (!free.ok || !free.value) throw new Error('no mmu_free_root_page in the default session')
  await seqBox(page).fill(String(free.value.seq))
  await seqBox(page).press('Enter')
  await waitForIdle(page)
  const slot = free.value.slot === 0 ? 'root' : `prev_roots[${free.value.slot - 1}]`
  const row = page.getByRole('table', { name: 'State diff' }).locator('tr', { has: page.locator(`th:text-is("vCPU ${free.value.vcpu} ${slot}")`) })
  await expect(row.locator('td').nth(0)).toHaveText(/^sp \d+ · pgd 0x[0-9a-f]+$/)
  await expect(row.locator('td').nth(1)).toHaveText(/^INVALID_PAGE/)
  await expect(page.getByRole('table', { name: 'State diff' })).not.toContainText('{')
})

test('while playing, every panel shows the same seq in each frame', async ({ lab, page }) => {
  await lab.open()
  await page.getByLabel('Speed').selectOption('16')
  await page.locator('body').click({ position: { x: 5, y: 5 } })
  await page.keyboard.press(' ')
  await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeVisible()
  // sample what each panel shows, once per animation frame, for about a second
  const frames = await page.evaluate(() => new Promise<(number | null)[][]>((done) => {
    const out: (number | null)[][] = []
    const num = (t: string | null | undefined, re: RegExp): number | null => {
      const m = re.exec(t ?? '')
      return m ? Number(m[1]) : null
    }
    const tick = (): void => {
      const box = (document.getElementById('go-to-seq') as HTMLInputElement).value
      out.push([
        Number(box),
        Number(document.querySelector('[aria-label="Timeline cursor"]')?.getAttribute('aria-valuenow')),
        num(document.getElementById('vcpus-title')?.textContent, /at seq (\d+)/),
        num(document.getElementById('inspector-title')?.textContent, /seq (\d+)/),
      ])
      if (out.length < 60) requestAnimationFrame(tick)
      else done(out)
    }
    requestAnimationFrame(tick)
  }))
  await page.keyboard.press(' ')
  const moving = new Set(frames.map((f) => f[0]))
  expect(moving.size).toBeGreaterThan(3)
  for (const [box, timeline, cards, inspector] of frames) {
    expect([timeline, cards, inspector ?? box]).toEqual([box, box, box])
  }
})
