/**
 * The layout at the three screen sizes of issue 12: at 1280x800 the card of the vCPU a jump
 * lands on is in view at every jump (the vCPU panel scrolls to it); 1600x1000 and 1920x1080 show
 * every card of a 4-vCPU session, the lanes and a useful log at once.
 */
import type { Page } from '@playwright/test'
import { expect, test, waitForIdle } from './helpers/lab'
import { expectAccessible, recordChurn, seqBox, vcpuCard } from './helpers/views'

/** The vCPU of the transition at the cursor (from the inspector's heading). */
async function actingVcpu(page: Page): Promise<number | null> {
  const m = /vCPU (\d+)/.exec(await page.getByRole('heading', { name: /Inspector/ }).innerText())
  return m ? Number(m[1]) : null
}

test.describe('at 1280x800', () => {
  test.use({ viewport: { width: 1280, height: 800 } })

  test('every jump brings the acting vCPU\'s card into view', async ({ lab, page }) => {
    const file = await recordChurn(lab.serve, 'free-obsolete-buggy', 'layout-buggy.rootlab')
    await lab.open({ file })
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    const seen = new Set<number>()
    for (const [key, times] of [[']', 12], ['Shift+ArrowRight', 8]] as const) {
      for (let i = 0; i < times; i++) {
        await page.keyboard.press(key)
        await waitForIdle(page)
        const v = await actingVcpu(page)
        if (v === null) continue
        seen.add(v)
        const card = vcpuCard(page, v)
        await expect(card, `after ${key} #${i + 1} (seq ${await seqBox(page).inputValue()})`).toBeInViewport({ ratio: 0.95 })
        await expect(card).toHaveClass(/active/)
      }
    }
    // the jumps landed on cards of the second row too (which start below the fold)
    expect([...seen].some((v) => v >= 2)).toBe(true)
    // a finding's slot at fault is on screen with its card
    await page.keyboard.press(']')
    await waitForIdle(page)
    await expect(page.locator('section[aria-label^="vCPU "] [role=group][data-fault=true]')).toBeInViewport()
    await expectAccessible(page, '1280x800')
  })
})

for (const [w, h] of [[1600, 1000], [1920, 1080]] as const) {
  test.describe(`at ${w}x${h}`, () => {
    test.use({ viewport: { width: w, height: h } })
    test('the four vCPU cards, the lanes and the log are all in view', async ({ lab, page }) => {
      await lab.open()
      await page.getByRole('button', { name: 'Next root zap' }).click()
      await waitForIdle(page)
      for (let v = 0; v < 4; v++) await expect(vcpuCard(page, v)).toBeInViewport({ ratio: 0.99 })
      await expect(page.getByRole('region', { name: 'vCPU lanes' })).toBeInViewport()
      const rows = page.getByRole('table', { name: 'Transition log' }).locator('[role=row]')
      expect(await rows.count()).toBeGreaterThanOrEqual(8)
      await expect(rows.filter({ has: page.locator('[aria-current=true]') }).or(page.locator('[role=row][aria-current=true]'))).toBeInViewport()
    })
  })
}
