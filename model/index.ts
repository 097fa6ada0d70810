/** The system model: schema, profiles, configuration keys, loader and errors. */
export * from "./schema";
export * from "./profiles";
export * from "./config";
export * from "./errors";
export * from "./load";
export { cronProblem, maxGapMinutes } from "../conventions/cron";
export { SUPPORTED_VERSIONS } from "./versions";
