import { ref } from 'vue'

/** True once the app has booted (a session is shown, or its error is). Part of the idle signal. */
export const appReady = ref(false)
