/**
 * Istio's security objects (the ambient mesh of staging and the EKS placement, components/kubernetes/mesh.ts, and any a
 * user adds). No rule of the five public sets speaks of them; these follow Istio's own security best practices
 * (istio.io docs ops/best-practices/security): mutual TLS STRICT, and authorization policies that allow with positive
 * matches ("ALLOW-with-positive-matching") rather than an allow-all.
 */
import { K8S_ANNOTATION } from "../../conventions/labels";
import { resourcePolicy } from "./util";

/** PeerAuthentication, every served version. */
const PEER_AUTHENTICATIONS = ["v1", "v1beta1"].map((v) => `kubernetes:security.istio.io/${v}:PeerAuthentication`);
/** AuthorizationPolicy, every served version. */
const AUTHORIZATION_POLICIES = ["v1", "v1beta1"].map((v) => `kubernetes:security.istio.io/${v}:AuthorizationPolicy`);

/** The shortest reason accepted for a plain-text port: a sentence, as the Pod Security exception asks. */
const MIN_REASON = 30;

/** Mutual TLS STRICT: no PERMISSIVE or DISABLE, and a plain-text port only on one workload, with its reason. */
export const k8sMeshMtlsStrict = resourcePolicy({
    name: "k8s-mesh-mtls-strict",
    description: `An Istio PeerAuthentication sets mutual TLS STRICT (not PERMISSIVE, DISABLE or unset, which inherits the mesh's PERMISSIVE default); a port-level PERMISSIVE is accepted only on a workload policy (a selector) whose ${K8S_ANNOTATION.meshPlaintextReason} annotation says why (the EKS load balancer, outside the mesh), and no port is DISABLE.`,
    group: "security",
    platforms: ["kubernetes"],
    sources: ["Istio security best practices (mutual TLS STRICT)", "istio/api PeerAuthentication (ambient: DISABLE is not supported)"],
    types: PEER_AUTHENTICATIONS,
    validate: (props, _args, report) => {
        const spec = props.spec ?? {};
        const mode = spec.mtls?.mode ?? "UNSET";
        if (mode !== "STRICT") report(`mtls.mode is ${mode}: the pods it selects accept plain text; set STRICT`);
        const ports = Object.entries<{ mode?: string }>(spec.portLevelMtls ?? {});
        const workload = Object.keys(spec.selector?.matchLabels ?? {}).length > 0;
        const why = props.metadata?.annotations?.[K8S_ANNOTATION.meshPlaintextReason];
        const reasoned = typeof why === "string" && why.trim().length >= MIN_REASON;
        for (const [port, p] of ports) {
            const portMode = p?.mode ?? "UNSET";
            if (portMode === "STRICT" || portMode === "UNSET") continue;
            if (portMode === "PERMISSIVE" && workload && reasoned) continue;
            report(
                portMode === "PERMISSIVE"
                    ? `port ${port} is PERMISSIVE ${workload ? `without a reason in ${K8S_ANNOTATION.meshPlaintextReason}` : "on every workload of the namespace (no selector)"}`
                    : `port ${port} is ${portMode}: only STRICT, or PERMISSIVE with a reason, is accepted`,
            );
        }
    },
});

/** A source of an AuthorizationPolicy rule (the fields that name who). */
interface Source {
    namespaces?: string[];
    principals?: string[];
    serviceAccounts?: string[];
    ipBlocks?: string[];
    remoteIpBlocks?: string[];
    requestPrincipals?: string[];
}

/** What a source names, or why it names nobody in particular. */
function anySource(s: Source | undefined): string | undefined {
    const named = ["namespaces", "principals", "serviceAccounts", "ipBlocks", "remoteIpBlocks", "requestPrincipals"] as const;
    const values = named.flatMap((k) => s?.[k] ?? []);
    if (values.length === 0) return "names no source (namespaces, principals, serviceAccounts or ipBlocks)";
    const wild = values.find((v) => v === "*" || v === "0.0.0.0/0" || v === "::/0");
    return wild ? `admits any source ('${wild}')` : undefined;
}

/** An ALLOW names who: no rule that admits every source. */
export const k8sMeshAuthorizationSources = resourcePolicy({
    name: "k8s-mesh-authz-named-sources",
    description:
        "An Istio AuthorizationPolicy with action ALLOW names its sources in every rule (from with namespaces, principals, serviceAccounts or ipBlocks, none of them '*', 0.0.0.0/0 or ::/0): a rule without from, or rules: [{}], allows every caller. An ALLOW without rules allows nobody and passes.",
    group: "security",
    platforms: ["kubernetes"],
    sources: [
        "Istio security best practices (ALLOW-with-positive-matching)",
        "Istio AuthorizationPolicy reference (an empty rule matches every request)",
    ],
    types: AUTHORIZATION_POLICIES,
    validate: (props, _args, report) => {
        const spec = props.spec ?? {};
        if ((spec.action ?? "ALLOW") !== "ALLOW") return;
        (spec.rules ?? []).forEach((rule: { from?: { source?: Source }[] }, i: number) => {
            if (!rule?.from?.length) return report(`rules[${i}] has no from: it allows every source`);
            rule.from.forEach((f, j) => {
                const problem = anySource(f?.source);
                if (problem) report(`rules[${i}].from[${j}] ${problem}`);
            });
        });
    },
});

/** The mesh's policies. */
export const kubernetesMeshPolicies = [k8sMeshMtlsStrict, k8sMeshAuthorizationSources];
