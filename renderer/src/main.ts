import { createPinia } from 'pinia'
import { createApp, nextTick, watch } from 'vue'
import App from './App.vue'
import { labPlatform, pendingRequests } from './api/lab'
import { dropTokenFromAddressBar } from './api/page-token'
import { appReady, backgroundWork } from './lib/idle'
import { prefetchBoot } from './lib/prefetch'
import { parseMoment } from './lib/url-state'
import './styles/base.css'

// Before the app reads the query (?file=, ?seq=) and starts keeping it in the address bar.
dropTokenFromAddressBar(window)
// The catalog and the file the address names, asked for now: they travel during the first render.
if (labPlatform() === 'web') prefetchBoot(parseMoment(window.location.search).file)

const app = createApp(App)
app.use(createPinia())
app.mount('#app')

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
