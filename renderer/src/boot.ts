/**
 * The page's first script in a browser (`rootlab serve`): the build puts it before the app's
 * (electron.vite.config.ts, bootFirst), and it imports no Vue, so it runs as soon as it has
 * loaded, while the app's larger script is still loading and being evaluated. It takes the
 * token out of the address bar (api/page-token.ts) and sends the boot's requests
 * (lib/prefetch.ts): the app mounts with their answers. In Electron (the preload's `window.lab`)
 * the app asks over IPC itself.
 */
import { createClient, httpBridge } from './api/client'
import { dropTokenFromAddressBar } from './api/page-token'
import { prefetchBoot } from './lib/prefetch'

dropTokenFromAddressBar(window)
if (!('lab' in window)) prefetchBoot(createClient(httpBridge()), window.location.search)
