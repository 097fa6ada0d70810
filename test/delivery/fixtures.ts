/**
 * Synthetic offline runs with realistic URNs, for testing the picture before (and independently
 * of) the platforms: a docker dev stack and an AWS prod stack with a disaster-recovery region.
 */
import { NO_OPTIONS, type OfflineRun, type PlannedResource } from "../../scripts/offline/engine";

export class FixtureRun {
    readonly resources: PlannedResource[] = [];
    constructor(readonly stack: string) {
        this.add("pulumi:pulumi:Stack", `tierform-${stack}`, undefined, { custom: false });
    }
    get root(): PlannedResource {
        return this.resources[0];
    }
    /** Register a resource under `parent` (default: the stack); its URN is built as Pulumi builds it. */
    add(
        type: string,
        name: string,
        parent: PlannedResource | undefined = this.resources[0],
        opts: { custom?: boolean; deps?: PlannedResource[]; inputs?: Record<string, any>; provider?: PlannedResource } = {},
    ): PlannedResource {
        const chain = parent ? `${parent.urn.split("::")[2]}$${type}` : type;
        const r: PlannedResource = {
            urn: `urn:pulumi:${this.stack}::tierform::${chain}::${name}`,
            type,
            name,
            parent: parent?.urn,
            custom: opts.custom ?? !type.startsWith("tierform:"),
            protect: false,
            retainOnDelete: false,
            provider: opts.provider ? `${opts.provider.urn}::${opts.provider.name}-id` : undefined,
            dependencies: (opts.deps ?? []).map((d) => d.urn),
            options: NO_OPTIONS,
            inputs: opts.inputs ?? {},
            redacted: opts.inputs ?? {},
            secretPaths: [],
        };
        this.resources.push(r);
        return r;
    }
    run(): OfflineRun {
        return { project: "tierform", stack: this.stack, resources: this.resources, outputs: {}, secretOutputs: [], messages: [] };
    }
}

const dockerLabels = (tier: string) => [
    { label: "tierform.system", value: "mdc-tts" },
    { label: "tierform.tier", value: tier },
];

/** mdc-tts on docker, the way a docker platform would build it. */
export function dockerMdcTts(): OfflineRun {
    const f = new FixtureRun("dev");
    const sys = f.add("tierform:docker:System", "mdc-tts");
    const net = f.add("docker:index/network:Network", "mdc-tts-internal", sys, { inputs: { labels: dockerLabels("network") } });
    const store = (kind: string, name: string, image: string) => {
        const c = f.add(`tierform:docker:${kind}`, `mdc-tts-${name}`, sys);
        const vol = f.add("docker:index/volume:Volume", `mdc-tts-${name}-data`, c);
        const ctr = f.add("docker:index/container:Container", `mdc-tts-${name}`, c, {
            deps: [net, vol],
            inputs: { image, labels: dockerLabels(kind.toLowerCase()) },
        });
        return { c, ctr };
    };
    const db = store("Database", "db", "postgres:14.15");
    const password = f.add("random:index/randomPassword:RandomPassword", "mdc-tts-db-password", db.c);
    const cache = store("Cache", "cache", "redis:7.4");
    // One MinIO serves every bucket, as the docker platform runs it.
    const objects = f.add("tierform:docker:Bucket", "mdc-tts-objects", sys);
    const minio = f.add("docker:index/container:Container", "mdc-tts-minio", objects, { deps: [net] });
    const init = f.add("docker:index/container:Container", "mdc-tts-minio-init", objects, { deps: [minio] });
    const services: Record<string, PlannedResource[]> = {};
    for (const [name, uses] of Object.entries({
        backend: [db.ctr, password, cache.ctr, init],
        frontend: [],
        worker: [db.ctr, cache.ctr],
        beat: [db.ctr, cache.ctr],
    })) {
        const c = f.add("tierform:docker:Service", `mdc-tts-${name}`, sys);
        services[name] = [1, 2].map((i) =>
            f.add("docker:index/container:Container", `mdc-tts-${name}-${i}`, c, {
                deps: [net, ...uses],
                inputs: { labels: dockerLabels("service") },
            }),
        );
    }
    const edge = f.add("tierform:docker:Edge", "mdc-tts-edge", sys);
    const conf = f.add("docker:index/volume:Volume", "mdc-tts-edge-conf", edge);
    f.add("docker:index/container:Container", "mdc-tts-edge", edge, { deps: [net, conf, ...services.backend, ...services.frontend] });
    const backup = f.add("tierform:docker:Backup", "mdc-tts-db-backup", sys);
    f.add("docker:index/container:Container", "mdc-tts-db-backup", backup, { deps: [db.ctr, password, init] });
    const mon = f.add("tierform:docker:Monitoring", "mdc-tts-monitoring", sys);
    f.add("docker:index/container:Container", "mdc-tts-prometheus", mon, { deps: [...services.backend, db.ctr] });
    return f.run();
}

/** A small AWS prod stack: CloudFront → ALB → ECS, RDS with a cross-region replica and backup copies. */
export function awsWithDr(): OfflineRun {
    const f = new FixtureRun("prod");
    const east = f.add("pulumi:providers:aws", "default_7_0_0", undefined, { inputs: { region: "us-east-1" } });
    const sys = f.add("tierform:aws:System", "mdc-tts");
    const west = f.add("pulumi:providers:aws", "mdc-tts-dr", sys, { inputs: { region: "us-west-2" } });
    const netC = f.add("tierform:aws:Network", "mdc-tts-network", sys);
    const vpc = f.add("aws:ec2/vpc:Vpc", "mdc-tts-vpc", netC, { provider: east });
    const dbC = f.add("tierform:aws:Database", "mdc-tts-db", sys);
    const rds = f.add("aws:rds/instance:Instance", "mdc-tts-db", dbC, { deps: [vpc], inputs: { tags: { tier: "database" } } });
    f.add("aws:rds/instance:Instance", "mdc-tts-db-dr", dbC, { deps: [rds], provider: west, inputs: { replicateSourceDb: "arn" } });
    const backupC = f.add("tierform:aws:Backup", "mdc-tts-backup", sys);
    const vault = f.add("aws:backup/vault:Vault", "mdc-tts-vault", backupC);
    const drVault = f.add("aws:backup/vault:Vault", "mdc-tts-vault-dr", backupC, { inputs: { region: "us-west-2" } });
    f.add("aws:backup/plan:Plan", "mdc-tts-plan", backupC, { deps: [vault, drVault] });
    f.add("aws:backup/selection:Selection", "mdc-tts-selection", backupC, { deps: [rds] });
    const svcs = ["backend", "frontend"].map((s) => {
        const c = f.add("tierform:aws:Service", `mdc-tts-${s}`, sys);
        const td = f.add("aws:ecs/taskDefinition:TaskDefinition", `mdc-tts-${s}`, c);
        return f.add("aws:ecs/service:Service", `mdc-tts-${s}`, c, { deps: [td, ...(s === "backend" ? [rds] : [])] });
    });
    const edge = f.add("tierform:aws:Edge", "mdc-tts-edge", sys);
    const alb = f.add("aws:lb/loadBalancer:LoadBalancer", "mdc-tts-alb", edge, { deps: [vpc] });
    for (const s of svcs) f.add("aws:lb/targetGroup:TargetGroup", `${s.name}-tg`, edge, { deps: [alb] });
    f.add("aws:cloudfront/distribution:Distribution", "mdc-tts-cdn", edge, { deps: [alb] });
    f.add("aws:wafv2/webAcl:WebAcl", "mdc-tts-waf", edge);
    f.add("aws:sns/topic:Topic", "mdc-tts-alarms", sys, { inputs: { tags: { tier: "monitoring" } } });
    f.add("aws:kms/key:Key", "mdc-tts-key", sys);
    return f.run();
}
