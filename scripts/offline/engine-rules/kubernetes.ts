/**
 * What the Kubernetes API server, the Pulumi Kubernetes provider's await logic and the operators
 * refuse or break, checked offline. See `index.ts`.
 */
import type { EngineRule } from "./index";

/** Every Kubernetes rule. */
export const KUBERNETES_RULES: EngineRule[] = [];
