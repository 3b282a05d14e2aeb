/**
 * Global keyboard shortcuts. Keys typed into a text field or the SQL editor are theirs, not ours.
 */
import { onBeforeUnmount, onMounted } from 'vue'

/** A shortcut as shown in the help dialog. */
export interface Shortcut {
  keys: string
  does: string
}

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: '←  /  →', does: 'Step back / step forward one transition' },
  { keys: 'Shift+←  /  Shift+→', does: 'Previous / next root zap' },
  { keys: '[  /  ]', does: 'Previous / next finding' },
  { keys: 'Home  /  End', does: 'Go to start / go to end' },
  { keys: 'Space', does: 'Play / pause' },
  { keys: 'g', does: 'Focus "Go to seq"' },
  { keys: 'b', does: 'Add a bookmark at the current seq' },
  { keys: 'z', does: 'Zoom the timeline back out' },
  { keys: 'F8  /  Shift+F8', does: 'Continue / reverse-continue to the next change of a watch (Watches tab)' },
  { keys: 'Alt+←  /  Alt+→', does: 'Back / forward through your jumps (also the browser\'s Back / Forward)' },
  { keys: ',  /  .', does: 'Previous / next change of the field the History panel follows' },
  { keys: '?', does: 'Show this help' },
  { keys: 'Ctrl+Enter', does: 'Run the query (SQL console)' },
  { keys: 'Esc (SQL editor)', does: 'Cancel the running query' },
  { keys: 'Esc', does: 'Close a dialog; stop a continue that is searching' },
  { keys: 'Tab, then Enter', does: 'Choose a bottom tab (← / → keep stepping while a tab has the focus)' },
]

/** True if a key event belongs to a text input, a select, or an editor. */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false
  if (t.isContentEditable || t.closest('.cm-editor, [data-editor]')) return true
  const tag = t.tagName
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag === 'INPUT') {
    const type = (t as HTMLInputElement).type
    return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes(type)
  }
  return false
}

/** Handlers by key name; "Shift+ArrowLeft" style for modified keys. */
export type KeyHandlers = Partial<Record<string, (e: KeyboardEvent) => void>>

/** The handler's key name of an event: "ArrowLeft", "Shift+ArrowLeft", "?", " ". */
export function keyName(e: KeyboardEvent): string {
  if (e.altKey) return `Alt+${e.key}`
  if (e.key.length === 1 && e.key !== ' ') return e.key
  return (e.shiftKey ? 'Shift+' : '') + e.key
}

/** Installs `handlers` on the window for the lifetime of the calling component. */
export function useShortcuts(handlers: KeyHandlers): void {
  const onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || isTypingTarget(e.target)) return
    // Alt+key only for the handlers that name it ("Alt+ArrowLeft"): the others stay the system's
    if (e.altKey && !handlers[keyName(e)]) return
    if (document.querySelector('dialog[open]') && e.key !== 'Escape') return
    const h = handlers[keyName(e)]
    if (!h) return
    // A focused button keeps Space/Enter for itself.
    if ((e.key === ' ' || e.key === 'Enter') && e.target instanceof HTMLButtonElement) return
    e.preventDefault()
    h(e)
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
