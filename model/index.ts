/** The system model: schema, profiles, configuration keys, loader and errors. */
export * from "./schema";
export { RETRY_CONDITIONS, type RetryCondition, type TrafficSpec } from "./traffic";
export * from "./profiles";
export * from "./config";
export * from "./errors";
export * from "./load";
export { canaryStepsOf, durationSeconds, DEFAULT_STEP_PAUSE, type RolloutSpec } from "./rollout";
export { cronProblem, maxGapMinutes } from "../conventions/cron";
export { SUPPORTED_VERSIONS } from "./versions";
