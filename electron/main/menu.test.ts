import { describe, expect, it, vi } from 'vitest'
import type { MenuItemConstructorOptions } from 'electron'
import { buildMenuTemplate, type MenuActions } from './menu'

const actions = (): MenuActions => ({
  newSession: vi.fn(), openSession: vi.fn(), openRecent: vi.fn(), clearRecent: vi.fn(),
  exportSession: vi.fn(), closeSession: vi.fn(), about: vi.fn(), shortcuts: vi.fn(),
})

const items = (m: MenuItemConstructorOptions | undefined) => (m?.submenu ?? []) as MenuItemConstructorOptions[]
const find = (t: MenuItemConstructorOptions[], label: string) => t.find((i) => i.label === label)

describe('application menu', () => {
  it('has File: New, Open, Open Recent, Export Session, Export Perfetto Trace, Close; Help: Keyboard Shortcuts, About', () => {
    const t = buildMenuTemplate(actions(), [], 'linux')
    const labels = (label: string) => items(find(t, label)).map((i) => i.label).filter(Boolean)
    expect(labels('&File')).toEqual(['New Session…', 'Open Session…', 'Open Recent', 'Export Session…', 'Export Perfetto Trace…', 'Close'])
    expect(labels('&Help')).toEqual(['Keyboard Shortcuts', 'About Root Lab'])
  })

  it('lists recent sessions by file name and opens the full path', () => {
    const a = actions()
    const t = buildMenuTemplate(a, ['/data/a&b.rootlab', '/data/two.rootlab'], 'linux')
    const recent = items(find(items(find(t, '&File')), 'Open Recent'))
    expect(recent[0]!.label).toBe('1  a&&b.rootlab')
    ;(recent[1]!.click as () => void)()
    expect(a.openRecent).toHaveBeenCalledWith('/data/two.rootlab')
  })

  it('sends the export format of each export item', () => {
    const a = actions()
    const file = items(find(buildMenuTemplate(a, [], 'linux'), '&File'))
    ;(find(file, 'Export Perfetto Trace…')!.click as () => void)()
    expect(a.exportSession).toHaveBeenCalledWith('perfetto')
  })
})
