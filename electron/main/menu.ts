/**
 * The application menu as a template (pure data; main.ts turns it into a Menu). Each item calls
 * an action of main.ts, which shows a native dialog where needed and sends a LabMenuCommand
 * (electron/preload/bridge.ts) to the focused window's renderer.
 */
import { basename } from 'node:path'
import type { MenuItemConstructorOptions } from 'electron'

export interface MenuActions {
  newSession(): void
  openSession(): void
  openRecent(path: string): void
  clearRecent(): void
  exportSession(format: 'db' | 'perfetto'): void
  closeSession(): void
  about(): void
  shortcuts(): void
}

/** The menu for `platform` with `recent` files (most recent first). */
export function buildMenuTemplate(actions: MenuActions, recent: readonly string[], platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin'
  const recentItems: MenuItemConstructorOptions[] = recent.length
    ? [
        ...recent.map((p, i): MenuItemConstructorOptions => ({
          // "&" would become an accelerator marker on Windows/Linux.
          label: `${i < 9 ? `${i + 1}  ` : ''}${basename(p).replace(/&/g, '&&')}`,
          toolTip: p,
          click: () => actions.openRecent(p),
        })),
        { type: 'separator' },
        { label: 'Clear Recent', click: () => actions.clearRecent() },
      ]
    : [{ label: 'No Recent Sessions', enabled: false }]

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { label: 'New Session…', accelerator: 'CmdOrCtrl+N', click: () => actions.newSession() },
      { label: 'Open Session…', accelerator: 'CmdOrCtrl+O', click: () => actions.openSession() },
      { label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      { label: 'Export Session…', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.exportSession('db') },
      { label: 'Export Perfetto Trace…', accelerator: 'CmdOrCtrl+Shift+E', click: () => actions.exportSession('perfetto') },
      { type: 'separator' },
      { label: 'Close', accelerator: 'CmdOrCtrl+W', click: () => actions.closeSession() },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  }
  const help: MenuItemConstructorOptions = {
    label: '&Help',
    role: 'help',
    submenu: [
      { label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/', click: () => actions.shortcuts() },
      { type: 'separator' },
      { label: 'About Root Lab', click: () => actions.about() },
    ],
  }
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    file,
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    ...(mac ? [{ role: 'windowMenu' } as const] : []),
    help,
  ]
}
