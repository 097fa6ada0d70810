/**
 * What the AWS APIs and the pulumi-aws provider refuse or break, checked offline. See `index.ts`.
 */
import type { EngineRule } from "./index";

/** Every AWS rule. */
export const AWS_RULES: EngineRule[] = [];
