/**
 * Root Lab's model of KVM's x86 shadow-MMU root management (Linux v5.18 names; sim/README.md).
 * Pure TypeScript: no Electron, no SQLite, no node:* modules, no clocks, no Math.random.
 */
export * from './constants'
export * from './types'
export * from './requests'
export * from './transitions'
export * from './state'
export * from './apply'
export * from './step'
export * from './view'
export * from './script'
export * from './digest'
export * from './prng'
export * from './run'
export { SCENARIOS, DEFAULT_N_MAX_MMU_PAGES, ParamError, is_scenario, scenario_ops, validate_scenario_params } from './scenarios/index'
export type { ScenarioName, ScenarioParams, ScenarioProgress } from './scenarios/index'

/** Version of the model's semantics; stored in every session. Bump when a transition stream changes. */
export const SIM_MODEL_VERSION = '1.0.0'
