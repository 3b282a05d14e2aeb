// ESLint flat config: TypeScript and Vue rules, plus the layering of architecture.md enforced
// as import boundaries (sim/ is pure; renderer/ sees the API contract as types only).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import pluginVue from 'eslint-plugin-vue'
import vueParser from 'vue-eslint-parser'
import globals from 'globals'

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream',
  'timers', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]

/** sim/ may not import from electron/, renderer/, node:* or better-sqlite3 (architecture.md). */
export const simBoundary = {
  patterns: [
    { group: ['**/electron/**', '**/electron', 'electron'], message: 'sim/ is pure TypeScript: it may not import from electron/.' },
    { group: ['**/renderer/**', '**/renderer'], message: 'sim/ is pure TypeScript: it may not import from renderer/.' },
    { group: ['node:*'], message: 'sim/ is pure TypeScript: no node:* modules (it runs in the browser too).' },
    { group: ['better-sqlite3'], message: 'sim/ may not touch SQLite: only electron/session/ writes it.' },
  ],
  paths: NODE_BUILTINS.map((name) => ({ name, message: 'sim/ is pure TypeScript: no Node built-in modules.' })),
}

/** renderer/ may import the API contract as types only, and nothing else from electron/ or Node. */
export const rendererBoundary = {
  patterns: [
    { group: ['**/electron/api/**'], allowTypeImports: true, message: 'renderer/ may import the LabApi contract with `import type` only.' },
    { group: ['**/electron/preload/**'], allowTypeImports: true, message: 'renderer/ may import the preload bridge with `import type` only.' },
    { group: ['**/electron/main/**', '**/electron/session/**', '**/electron/service/**', '**/electron/server/**', '**/electron/cli/**', '**/electron/kvm/**'], message: 'renderer/ talks to the Node side only through LabApi.' },
    { group: ['node:*', 'better-sqlite3', 'electron'], message: 'renderer/ runs in a sandboxed page: no Node modules.' },
  ],
}

/**
 * renderer/ (its tests aside, which build real states with the model) imports nothing from sim/:
 * the model's types come through the LabApi contract, its constants through the `catalog`
 * request (renderer/src/lib/catalog.ts), what a view needs to know in the view itself.
 */
export const rendererNoSim = {
  patterns: [
    ...rendererBoundary.patterns,
    { group: ['**/sim/**', '**/sim'], message: 'renderer/ imports nothing from sim/: types come through the LabApi contract, constants through the catalog request (lib/catalog.ts).' },
  ],
}

/** electron/session/ is the lower layer: it may not import the LabApi or the shells above it. */
export const sessionBoundary = {
  patterns: [
    { group: ['**/electron/api/**', '**/api/contract'], message: 'electron/session/ may not import the LabApi contract: the contract takes the session\'s types.' },
    { group: ['**/electron/service/**', '**/electron/server/**', '**/electron/cli/**', '**/electron/main/**', '**/service/*', '**/server/*', '**/cli/*', '**/main/*'], message: 'electron/session/ may not import the shells above it.' },
  ],
}

/** electron/session/ is below electron/kvm/ (kvm writes sessions through it), so it may not import kvm/. */
export const sessionKvmBoundary = {
  patterns: [
    { group: ['**/kvm/**', '**/kvm'], message: 'electron/session/ may not import electron/kvm/: kvm/ depends on the session layer, not the reverse.' },
  ],
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', 'native/**/build/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, sourceType: 'module', extraFileExtensions: ['.vue'] } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/first-attribute-linebreak': 'off',
    },
  },
  {
    files: ['sim/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', simBoundary],
      'no-restricted-globals': ['error', 'process', 'require', 'Buffer', '__dirname'],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: 'sim/ is deterministic: use the seeded PRNG (sim/prng.ts).' },
        { object: 'Date', property: 'now', message: 'sim/ is deterministic: no clocks.' }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    ignores: ['renderer/**/*.test.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-restricted-imports': ['error', rendererNoSim] },
  },
  {
    files: ['renderer/**/*.test.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { '@typescript-eslint/no-restricted-imports': ['error', rendererBoundary] },
  },
  {
    // `rootlab serve` is started by the CLI (electron/cli/serve.ts) and by its own source entry
    // (server/serve-main.ts): the server never reaches back into the CLI.
    files: ['electron/server/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['**/cli/**', '**/cli'], message: 'electron/server/ may not import from electron/cli/: the CLI starts the server, not the reverse.' }],
      }],
    },
  },
  {
    // The session layer is below the API: the contract takes the session's types, never the reverse.
    files: ['electron/session/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', sessionBoundary] },
  },
  {
    // Tests may use kvm/ to make imported sessions; the session code itself may not. (A later
    // block replaces the rule's options, so this one repeats sessionBoundary's patterns.)
    files: ['electron/session/**/*.ts'],
    ignores: ['electron/session/**/*.test.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...sessionBoundary.patterns, ...sessionKvmBoundary.patterns] }] },
  },
)
