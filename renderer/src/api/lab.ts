/**
 * The app's one LabClient, and the count of requests in flight (for the e2e idle signal and the
 * busy indicator). Tests install their own client with setLab().
 */
import { ref } from 'vue'
import type { LabClient } from '../../../electron/api/contract'
import { createClient, detectBridge, type LabBridge } from './client'

/** Requests sent and not answered yet. */
export const pendingRequests = ref(0)

let client: LabClient | null = null
let bridgeInUse: LabBridge | null = null
let platform: LabBridge['platform'] = 'web'

/** Installs the client built over `bridge` (counting pending requests). */
export function installBridge(bridge: LabBridge): LabClient {
  platform = bridge.platform
  bridgeInUse = bridge
  client = createClient(bridge, {
    onStart: () => { pendingRequests.value++ },
    onEnd: () => { pendingRequests.value-- },
  })
  return client
}

/** The app's client; built over the detected bridge on first use. */
export function lab(): LabClient {
  return client ?? installBridge(detectBridge())
}

/** Resolves once the events subscribed so far are delivered (see LabBridge.ready). */
export function eventsReady(): Promise<void> {
  lab()
  return bridgeInUse?.ready?.() ?? Promise.resolve()
}

/** 'electron' inside the desktop app, 'web' in a browser. */
export function labPlatform(): LabBridge['platform'] {
  return platform
}

/** For tests: replaces the client (null: detect again on next use). */
export function setLab(c: LabClient | null, p: LabBridge['platform'] = 'web'): void {
  client = c
  bridgeInUse = null
  platform = p
  pendingRequests.value = 0
}
