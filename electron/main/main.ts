/**
 * Root Lab's Electron main process: thin glue between Electron and the LabApi service.
 *
 * - one LabApi service (electron/service) over the session layer, with the allow-list path
 *   policy: the renderer may name only files chosen in native dialogs, recent files, and files
 *   under userData (default session, unnamed recordings);
 * - windows with the security defaults of window-security.ts; IPC only from those windows;
 * - the application menu (menu.ts), whose commands reach the renderer as the `menuCommand` event;
 * - recordings in worker threads (never on this thread), cancelled on quit;
 * - better-sqlite3 loaded from its Electron-ABI build (native-binding.ts).
 */
import { app, BrowserWindow, dialog, Menu } from 'electron'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defaultSessionPath } from '../service/default-session'
import { createLabService, type LabService } from '../service/lab-service'
import { allowListPolicy } from '../service/path-policy'
import { createRecentFiles } from '../service/recent-files'
import { sessionLayer } from '../service/session-layer'
import { createSqlHosts } from '../sqlhost/hosts'
import { registerLabIpc, sendMenuCommand } from './ipc'
import { buildMenuTemplate, type MenuActions } from './menu'
import { chooseNativeBinding } from './native-binding'
import { isAppUrl, isTrustedSender, rendererLocation, type RendererLocation } from './trusted-sender'
import { utilityProcessLauncher } from './sql-host-launcher'
import { lockDownContents, secureWebPreferences } from './window-security'

const here = dirname(fileURLToPath(import.meta.url))
const PRELOAD = join(here, '../preload/preload.cjs')
// electron-vite sets ELECTRON_RENDERER_URL for `electron-vite dev` only; ignored when packaged.
const RENDERER: RendererLocation = rendererLocation(process.env, app.isPackaged, join(here, '../renderer/index.html'))

const windowIds = new Set<number>()

function fatal(message: string): never {
  process.stderr.write(`rootlab: ${message}\n`)
  dialog.showErrorBox('Root Lab cannot start', message)
  app.exit(1)
  throw new Error(message)
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Root Lab',
    show: false,
    webPreferences: secureWebPreferences(PRELOAD),
  })
  const id = win.webContents.id
  windowIds.add(id)
  win.on('closed', () => windowIds.delete(id))
  lockDownContents(win.webContents, (url) => isAppUrl(url, RENDERER))
  win.once('ready-to-show', () => win.show())
  if (RENDERER.kind === 'dev') void win.loadURL(RENDERER.url)
  else void win.loadFile(RENDERER.path)
  return win
}

function main(): void {
  // Tests (e2e/electron.spec.ts) run the app against a throw-away profile.
  if (process.env.ROOTLAB_USER_DATA_DIR) app.setPath('userData', process.env.ROOTLAB_USER_DATA_DIR)
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  // Defence in depth for any webContents (devtools, a future second window): no new windows,
  // no webviews.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault())
    contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  })

  void app.whenReady().then(() => {
    const native = chooseNativeBinding(app.isPackaged ? process.resourcesPath : app.getAppPath())
    if (native.kind === 'missing') fatal(native.message)

    const userData = app.getPath('userData')
    const recordingsDir = join(userData, 'recordings')
    mkdirSync(recordingsDir, { recursive: true })
    const recent = createRecentFiles(join(userData, 'recent-sessions.json'))
    const paths = allowListPolicy({ userData, recordingsDir, isRecent: (p) => recent.has(p) })
    const firstStart = !existsSync(defaultSessionPath(userData))
    // SQL queries run in utility processes, killed at their deadline (never on this thread).
    const sqlHosts = createSqlHosts({
      launch: utilityProcessLauncher(join(here, 'sql-host.js')),
      ...(native.kind === 'electron' ? { nativeBinding: native.path } : {}),
    })
    const service: LabService = createLabService({
      sessions: sessionLayer, paths, dataDir: userData, recent, sqlHosts,
      ...(native.kind === 'electron' ? { nativeBinding: native.path } : {}),
    })

    const focused = () => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? createWindow()
    const refreshMenu = () => Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate(actions, recent.list(), process.platform)))
    const actions: MenuActions = {
      newSession: () => sendMenuCommand(focused(), { command: 'newSession' }),
      openSession: () => {
        const win = focused()
        void dialog.showOpenDialog(win, {
          title: 'Open Session', properties: ['openFile'],
          filters: [{ name: 'Root Lab sessions', extensions: ['rootlab'] }, { name: 'All files', extensions: ['*'] }],
        }).then((r) => {
          const path = r.filePaths[0]
          if (r.canceled || !path) return
          paths.allow(path, 'read')
          sendMenuCommand(win, { command: 'openSession', path })
        })
      },
      openRecent: (path) => sendMenuCommand(focused(), { command: 'openSession', path }),
      clearRecent: () => {
        for (const p of recent.list()) recent.remove(p)
        app.clearRecentDocuments()
        refreshMenu()
      },
      exportSession: (format) => {
        const win = focused()
        void dialog.showSaveDialog(win, {
          title: format === 'db' ? 'Export Session' : 'Export Perfetto Trace',
          defaultPath: join(app.getPath('documents'), format === 'db' ? 'session.rootlab' : 'trace.json'),
          filters: format === 'db'
            ? [{ name: 'Root Lab sessions', extensions: ['rootlab'] }]
            : [{ name: 'Chrome/Perfetto trace', extensions: ['json'] }],
        }).then((r) => {
          if (r.canceled || !r.filePath) return
          paths.allow(r.filePath, 'write')
          sendMenuCommand(win, { command: 'exportSession', format, out: r.filePath })
        })
      },
      closeSession: () => sendMenuCommand(focused(), { command: 'closeSession' }),
      about: () => sendMenuCommand(focused(), { command: 'about' }),
      shortcuts: () => sendMenuCommand(focused(), { command: 'shortcuts' }),
    }

    registerLabIpc({
      service,
      isTrusted: (e) => isTrustedSender(e, windowIds, RENDERER),
      afterCall: (name, r) => {
        if (r.ok && (name === 'openSession' || name === 'openDefaultSession')) {
          app.addRecentDocument((r.value as { path: string }).path)
          refreshMenu()
        }
      },
    })
    service.on('recordingFinished', () => refreshMenu())
    refreshMenu()

    // First start: record the default session now; the renderer's openDefaultSession joins it.
    if (firstStart) void service.openDefaultSession({})
    createWindow()

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow()
    })
    app.on('second-instance', () => {
      const w = BrowserWindow.getAllWindows()[0]
      if (w) {
        if (w.isMinimized()) w.restore()
        w.focus()
      }
    })

    // Cancel recordings (leaving valid, incomplete files) and close sessions before exiting.
    let closed = false
    app.on('will-quit', (e) => {
      if (closed) return
      e.preventDefault()
      void service.close().finally(() => {
        closed = true
        app.quit()
      })
    })
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
}

main()
