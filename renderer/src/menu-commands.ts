/**
 * The desktop menu's commands (LabApi event `menuCommand`, Electron only), carried out in the
 * renderer: File ▸ New Session… / Open / Export / Close, Help ▸ About / Keyboard Shortcuts.
 * The views that are dialogs are reached through `MenuUi`, so the dispatcher is testable with a
 * fake bridge and no DOM.
 */
import type { LabClient, LabMenuCommand } from '../../electron/api/contract'
import { bytes } from './lib/format'
import { useSessionStore } from './stores/session'

/** What the dispatcher needs from the views. */
export interface MenuUi {
  newSession(): void
  about(): void
  shortcuts(): void
}

/** Carries out one menu command. Errors land in the session store's error (the banner). */
export async function runMenuCommand(cmd: LabMenuCommand, ui: MenuUi): Promise<void> {
  const session = useSessionStore()
  switch (cmd.command) {
    case 'newSession':
      return ui.newSession()
    case 'openSession':
      // The same path as the Open… dialog: the store opens it and the app shows it.
      session.say(null)
      await session.openFile(cmd.path)
      return
    case 'exportSession': {
      if (!session.info) {
        session.error = 'Export: no session is open.'
        return
      }
      const r = await session.exportTo(cmd.format, cmd.out)
      session.say(r ? `Exported ${cmd.format === 'db' ? 'the session' : 'a Perfetto trace'} to ${r.out} (${bytes(r.bytes)}).` : null)
      return
    }
    case 'closeSession':
      session.say(null)
      await session.close()
      return
    case 'about':
      return ui.about()
    case 'shortcuts':
      return ui.shortcuts()
    default: {
      const unknown: never = cmd
      session.error = `Unknown menu command ${JSON.stringify(unknown)}`
    }
  }
}

/** Subscribes to the client's menuCommand event; returns the unsubscribe function. */
export function subscribeMenuCommands(client: LabClient, ui: MenuUi): () => void {
  return client.on('menuCommand', (cmd) => void runMenuCommand(cmd, ui))
}
