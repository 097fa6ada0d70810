/** Shared by the AWS data-tier tests: plan `createDataTier` for a preset with fake network ids. */
import { createDataTier } from "../../../components/aws/data";
import { planSystem } from "../../../plan";
import type { AwsDatastoreBinding } from "../../../components/aws/contract";
import type { Settings, System } from "../../../model";
import { planComponent, type Plan, type PlannedResource } from "../../harness";
import { AWS_CONFIG, loadSystem } from "./helpers";

export const TOPIC = "arn:aws:sns:us-east-1:123456789012:alarms";
/** The stack's logs key, which encrypts the databases' export log groups. */
export const LOGS_KEY = "arn:aws:kms:us-east-1:123456789012:key/logs";
export const KEY = "arn:aws:kms:us-east-1:123456789012:key/data";
/** The CloudFront distribution a CDN preset's static buckets are served by. */
export const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE";

/** A fake network: isolated subnets and one security group per datastore and service. */
export function fakeNetwork(system: System) {
    const names = [
        ...Object.keys(system.databases),
        ...Object.keys(system.caches),
        ...Object.keys(system.queues),
        ...Object.keys(system.buckets),
    ];
    return {
        vpcId: "vpc-123",
        vpcCidr: "10.0.0.0/16",
        publicSubnetIds: ["subnet-pub-1", "subnet-pub-2"],
        privateSubnetIds: ["subnet-priv-1", "subnet-priv-2"],
        isolatedSubnetIds: ["subnet-iso-1", "subnet-iso-2", "subnet-iso-3"],
        datastoreSecurityGroupIds: Object.fromEntries(names.map((n) => [n, `sg-${n}`])),
        serviceSecurityGroupIds: Object.fromEntries(Object.keys(system.services).map((n) => [n, `sg-svc-${n}`])),
    };
}

export interface DataPlan {
    plan: Plan;
    system: System;
    settings: Settings;
    bindings: Record<string, AwsDatastoreBinding>;
}

const memo = new Map<string, Promise<DataPlan>>();
/** Pulumi's runtime is process-global: runs are chained one after another. */
let last: Promise<unknown> = Promise.resolve();

/** Plan the data tier of a preset (prod by default) and return the plan with the resolved bindings; memoized across test files. */
export function planData(
    preset: string,
    opts: { stack?: string; overrides?: Record<string, unknown>; config?: Record<string, unknown> } = {},
): Promise<DataPlan> {
    const key = JSON.stringify([preset, opts]);
    if (!memo.has(key)) {
        const run = last.catch(() => undefined).then(() => planDataOnce(preset, opts));
        last = run;
        memo.set(key, run);
    }
    return memo.get(key)!;
}

async function planDataOnce(
    preset: string,
    opts: { stack?: string; overrides?: Record<string, unknown>; config?: Record<string, unknown> } = {},
): Promise<DataPlan> {
    const { system, settings } = loadSystem(preset, opts);
    const plan = await planComponent(() => {
        const cdn = system.edge.cdn ? { cdnDistributionArn: DISTRIBUTION } : {};
        const bindings = createDataTier(
            {
                plan: planSystem(system, "aws"),
                settings,
                network: fakeNetwork(system),
                alarmTopicArn: TOPIC,
                logsKmsKeyArn: LOGS_KEY,
                ...cdn,
            },
            {},
        );
        return { bindings };
    }, AWS_CONFIG);
    return { plan, system, settings, bindings: plan.outputs.bindings };
}

/** Resources of `type` whose logical name contains `part`. */
export function named(plan: Plan, type: string, part: string): PlannedResource[] {
    return plan.ofType(type).filter((r) => r.name.includes(part));
}

/** The mock values of every RandomPassword in the plan (what a leak would look like). */
export function mockPasswords(plan: Plan): string[] {
    return plan
        .ofType("random:index/randomPassword:RandomPassword")
        .map((r) => `mock-${r.name}-`.padEnd(r.inputs.length ?? 16, "x").slice(0, r.inputs.length ?? 16));
}

/** Resources whose redacted (non-secret) inputs contain one of `values`. */
export function leaks(plan: Plan, values: string[]): string[] {
    return plan.resources.filter((r) => values.some((v) => JSON.stringify(r.redacted).includes(v))).map((r) => `${r.type} ${r.name}`);
}

/** The resource with URN `urn`. */
export function byUrn(plan: Plan, urn: string | undefined): PlannedResource | undefined {
    return plan.resources.find((r) => r.urn === urn);
}

/** The provider resource a resource was created with (its `provider` reference is `urn::id`). */
export function providerOf(plan: Plan, r: PlannedResource): PlannedResource | undefined {
    return r.provider ? byUrn(plan, r.provider.split("::").slice(0, -1).join("::")) : undefined;
}
