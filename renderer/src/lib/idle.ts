import { ref } from 'vue'

/** True once the app has booted (a session is shown, or its error is). Part of the idle signal. */
export const appReady = ref(false)

/**
 * Work the app waits for between requests (the Node side building the lanes' summaries, polled):
 * part of the idle signal, so "idle" means nothing is left to arrive.
 */
export const backgroundWork = ref(0)
