/** Types of scripts/electron-binary.mjs (used from TypeScript by e2e/electron.spec.ts). */
export function findElectronBinary(root: string, env?: NodeJS.ProcessEnv): { path: string } | { why: string }
export function electronVersions(root: string): { version: string; abi: string | null }
export function nativeBindingPath(root: string, abi: string): string
