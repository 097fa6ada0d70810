/**
 * Runs the CrossGuard policies over an offline run. PLACEHOLDER until the policy packs land
 * (issue 3): reports that no policy ran, so nobody mistakes silence for a pass.
 */
import type { OfflineRun } from "./engine";

export interface Violation {
    urn?: string;
    policy: string;
    level: "advisory" | "mandatory";
    message: string;
}

export interface PolicyReport {
    text: string;
    violations: Violation[];
    mandatoryCount: number;
}

export function runPolicyReport(_run: OfflineRun, stack: string): PolicyReport {
    return { text: `Policies: none ran (the policy packs are not built yet) for stack ${stack}.`, violations: [], mandatoryCount: 0 };
}
