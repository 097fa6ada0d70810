/** Engine-rule cases of the Kubernetes rules (scripts/offline/engine-rules/kubernetes.ts). */
import type { EngineRuleCase } from "../helpers";

/** Every Kubernetes rule's cases. */
export const kubernetesRuleCases: EngineRuleCase[] = [];
