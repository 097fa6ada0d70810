/**
 * Readers of Docker's provider-shaped inputs (container labels, `envs`, one-shot steps): one
 * module per platform, shared by the policy rules (policies/rules/, through util.ts) and by the
 * tests that read a plan back (test/plan/facts.ts), so each resource shape is read one way.
 */
import { DOCKER_LABEL } from "../../conventions/labels";

/** `KEY=VALUE` strings (Docker `envs`) as pairs. */
export function splitEnvs(envs: unknown): Array<[string, string]> {
    if (!Array.isArray(envs)) return [];
    return envs
        .filter((e): e is string => typeof e === "string")
        .map((e) => {
            const i = e.indexOf("=");
            return (i < 0 ? [e, ""] : [e.slice(0, i), e.slice(i + 1)]) as [string, string];
        });
}

/** A Docker container's labels as a record (the provider takes `[{label, value}]`). */
export function dockerLabels(props: any): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of Array.isArray(props?.labels) ? props.labels : [])
        if (l && typeof l.label === "string") out[l.label] = String(l.value ?? "");
    return out;
}

/** The tier a Docker container declares with its `tierform.tier` label. */
export function dockerTier(props: any): string | undefined {
    return dockerLabels(props)[DOCKER_LABEL.tier];
}

/** A one-shot container (a migration, a volume chown, a bucket setup): the provider does not keep it running (`mustRun: false`). */
export function isOneShot(props: any): boolean {
    return props?.mustRun === false;
}

/** Tiers that hold data. */
export const DATA_TIERS = ["database", "cache", "queue", "bucket"];
