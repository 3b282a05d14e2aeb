import { createPinia } from 'pinia'
import { createApp, nextTick, watch } from 'vue'
import App from './App.vue'
import { lab, labPlatform, pendingRequests } from './api/lab'
import { dropTokenFromAddressBar } from './api/page-token'
import { appReady, backgroundWork } from './lib/idle'
import { preloadLazyComponents } from './lib/lazy'
import { bootAnswered, bootPrefetched, prefetchBoot } from './lib/prefetch'
import './styles/base.css'

// Every module of the app has been evaluated: what boot.ts sent must have left before (e2e).
performance.mark('rootlab:app-evaluated')
// boot.ts did both already in a built page (it runs first); in the dev server, now. The token
// goes before the app reads the query (?file=, ?seq=) and starts keeping it in the address bar.
dropTokenFromAddressBar(window)
const web = labPlatform() === 'web'
if (web && !bootPrefetched()) prefetchBoot(lab(), window.location.search)

const app = createApp(App)
app.use(createPinia())
// Mounted once those have answered (at most 400 ms later), so that the first render shows the
// session; the desktop app asks for them over IPC after the mount.
if (web) void bootAnswered(400).then(() => app.mount('#app'))
else app.mount('#app')

/**
 * The idle signal for end-to-end tests: body[data-lab-idle] is "true" once no request is pending
 * and no background work is awaited (lib/idle.ts) and the view has rendered (next tick + next
 * frame), "false" otherwise.
 */
function updateIdle(): void {
  const busy = pendingRequests.value > 0 || !appReady.value || backgroundWork.value > 0
  if (busy) {
    document.body.dataset.labIdle = 'false'
    return
  }
  void nextTick(() => requestAnimationFrame(() => {
    if (pendingRequests.value === 0 && appReady.value && backgroundWork.value === 0) document.body.dataset.labIdle = 'true'
  }))
}
document.body.dataset.labIdle = 'false'
watch([pendingRequests, appReady, backgroundWork], updateIdle, { immediate: true })
// The panels the first frame does not show are fetched once the app has booted (lib/lazy.ts).
const stopPreload = watch(appReady, (ready) => {
  if (!ready) return
  stopPreload()
  preloadLazyComponents()
})
