/** Engine-rule cases of the AWS rules (scripts/offline/engine-rules/aws.ts). */
import type { EngineRuleCase } from "../helpers";

/** Every AWS rule's cases. */
export const awsRuleCases: EngineRuleCase[] = [];
