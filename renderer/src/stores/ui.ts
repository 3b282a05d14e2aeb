/** useUiStore: which bottom tab is shown (so actions elsewhere can bring one forward). */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The bottom panel's tabs. */
export type TabId = 'log' | 'pages' | 'findings' | 'bookmarks' | 'sql' | 'compare' | 'watches'

export const useUiStore = defineStore('ui', () => {
  const tab = ref<TabId>('log')
  function showTab(t: TabId): void {
    tab.value = t
  }
  return { tab, showTab }
})
