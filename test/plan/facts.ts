/**
 * The facts the platforms must agree on, read back from what each platform registered (not from
 * the plan): per service the replica range, the scaling signals, the health checks and the
 * variables it receives (plain or secret). The parity test compares them with the plan.
 */
import { ecsContainers } from "../../policies/readers/aws";
import { dockerLabels, splitEnvs } from "../../policies/readers/docker";
import { podSpecOf } from "../../policies/readers/kubernetes";
import type { PlannedResource } from "../../scripts/offline/engine";
import type { Plan } from "../harness";
import { AWS_TAG, K8S_ANNOTATION, RESTORE_TEST_KIND } from "../../conventions/labels";

/** A health check as a platform renders it: HTTP with its path, or exec with its argv. */
export type CheckFact = { type: "http"; path: string } | { type: "exec"; command: string[] } | undefined;

/** What one service looks like on a platform. */
export interface ServiceFacts {
    /** The argv that replaces the image's CMD, if any. */
    command?: string[];
    replicas: { min: number; max: number };
    scaling: { cpuPercent?: number; memoryPercent?: number; requestsPerMinute?: number };
    liveness: CheckFact;
    readiness: CheckFact;
    /** Variable names with whether they arrive as a secret. */
    variables: Record<string, "plain" | "secret">;
}

/** A Docker container's label, read as the policies read it (policies/readers/docker.ts). */
const label = (r: PlannedResource, name: string): string | undefined => dockerLabels(r.inputs)[name];

/** Docker: the replicas' containers (label tierform.service, tierform.replica), their health check, envs and credentials file. */
export function dockerFacts(plan: Plan, service: string): ServiceFacts {
    const containers = plan
        .ofType("docker:index/container:Container")
        .filter((c) => label(c, "tierform.service") === service && label(c, "tierform.replica") !== undefined);
    if (containers.length === 0) throw new Error(`docker: no replica containers of ${service}`);
    const c = containers[0];
    const tests: string[] | undefined = c.inputs.healthcheck?.tests;
    let check: CheckFact;
    // An HTTP check (any healthTool) requests http://127.0.0.1:<port><path>; anything else is the spec's exec command.
    const url = tests ? /http:\/\/127\.0\.0\.1:\d+(\/[^\s'"]*)/.exec(tests.join(" ")) : null;
    if (url) check = { type: "http", path: url[1] };
    else if (tests?.[0] === "CMD") {
        const argv = tests.slice(1);
        check = { type: "exec", command: argv[1]?.endsWith("with-secrets.sh") ? argv.slice(2) : argv };
    }
    const variables: ServiceFacts["variables"] = {};
    for (const [name] of splitEnvs(c.inputs.envs)) variables[name] = "plain";
    const writer = plan.ofType("docker:index/container:Container").find((w) => w.name === `${c.name}-config-files`);
    const secrets = writer?.inputs.uploads?.find((u: { file: string }) => u.file.endsWith("/secrets.env"));
    for (const line of String(secrets?.content ?? "").split("\n"))
        if (/^[A-Z_][A-Z0-9_]*=/.test(line)) variables[line.split("=")[0]] = "secret";
    return {
        ...(c.inputs.command ? { command: c.inputs.command } : {}),
        replicas: { min: containers.length, max: containers.length },
        scaling: {},
        liveness: check,
        readiness: check,
        variables,
    };
}

/** Kubernetes: the workload's replicas or its HPA / ScaledObject, the container's probes and env. */
export function kubernetesFacts(plan: Plan, service: string): ServiceFacts {
    const workloads = [...plan.ofType("kubernetes:apps/v1:Deployment"), ...plan.ofType("kubernetes:apps/v1:StatefulSet")].filter(
        (w) => w.inputs.metadata?.name === service,
    );
    if (workloads.length !== 1) throw new Error(`kubernetes: ${workloads.length} workloads named ${service}`);
    const w = workloads[0];
    const container = podSpecOf(w.type, w.inputs).containers[0];
    const hpa = plan.ofType("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").find((h) => h.inputs.spec.scaleTargetRef.name === service);
    const scaled = plan.ofType("kubernetes:keda.sh/v1alpha1:ScaledObject").find((s) => s.inputs.spec.scaleTargetRef.name === service);
    const scaling: ServiceFacts["scaling"] = {};
    let replicas = { min: w.inputs.spec.replicas, max: w.inputs.spec.replicas };
    if (hpa) {
        replicas = { min: hpa.inputs.spec.minReplicas, max: hpa.inputs.spec.maxReplicas };
        for (const m of hpa.inputs.spec.metrics)
            scaling[m.resource.name === "cpu" ? "cpuPercent" : "memoryPercent"] = m.resource.target.averageUtilization;
    }
    if (scaled) {
        replicas = { min: scaled.inputs.spec.minReplicaCount, max: scaled.inputs.spec.maxReplicaCount };
        for (const t of scaled.inputs.spec.triggers) {
            if (t.type === "prometheus") scaling.requestsPerMinute = Number(t.metadata.threshold);
            else scaling[t.type === "cpu" ? "cpuPercent" : "memoryPercent"] = Number(t.metadata.value);
        }
    }
    const probe = (p: any): CheckFact =>
        p?.httpGet ? { type: "http", path: p.httpGet.path } : p?.exec ? { type: "exec", command: p.exec.command } : undefined;
    const variables: ServiceFacts["variables"] = {};
    for (const e of container.env ?? []) variables[e.name] = e.valueFrom?.secretKeyRef ? "secret" : "plain";
    if (container.command)
        throw new Error(`kubernetes: ${service} sets command, which replaces the image's ENTRYPOINT (Docker and ECS keep it)`);
    return {
        ...(container.args ? { command: container.args } : {}),
        replicas,
        scaling,
        liveness: probe(container.livenessProbe),
        readiness: probe(container.readinessProbe),
        variables,
    };
}

/** AWS: the ECS service's desired count or its scalable target, the scaling policies, the container definition. */
export function awsFacts(plan: Plan, service: string): ServiceFacts {
    const ecs = plan.ofType("aws:ecs/service:Service").filter((s) => s.name.endsWith(`-${service}-service`));
    if (ecs.length !== 1) throw new Error(`aws: ${ecs.length} ECS services for ${service}`);
    const prefix = ecs[0].name.slice(0, -"-service".length);
    const target = plan.ofType("aws:appautoscaling/target:Target").find((t) => t.name.startsWith(`${prefix}-`));
    const replicas = target
        ? { min: target.inputs.minCapacity, max: target.inputs.maxCapacity }
        : { min: ecs[0].inputs.desiredCount, max: ecs[0].inputs.desiredCount };
    const scaling: ServiceFacts["scaling"] = {};
    for (const p of plan.ofType("aws:appautoscaling/policy:Policy").filter((x) => x.name.startsWith(`${prefix}-`))) {
        const cfg = p.inputs.targetTrackingScalingPolicyConfiguration;
        const type = cfg.predefinedMetricSpecification?.predefinedMetricType;
        if (type === "ECSServiceAverageCPUUtilization") scaling.cpuPercent = cfg.targetValue;
        else if (type === "ECSServiceAverageMemoryUtilization") scaling.memoryPercent = cfg.targetValue;
        else scaling.requestsPerMinute = cfg.targetValue;
    }
    const task = plan.ofType("aws:ecs/taskDefinition:TaskDefinition").find((t) => t.name === `${prefix}-task`);
    if (!task) throw new Error(`aws: no task definition ${prefix}-task`);
    const container = ecsContainers(task.inputs)?.[0];
    if (!container) throw new Error(`aws: unreadable container definitions in ${prefix}-task`);
    const variables: ServiceFacts["variables"] = {};
    for (const e of container.environment ?? []) variables[e.name] = "plain";
    for (const e of container.secrets ?? []) variables[e.name] = "secret";
    const hc: string[] | undefined = container.healthCheck?.command;
    let liveness: CheckFact;
    const url = hc ? /http:\/\/127\.0\.0\.1:\d+(\/\S*)/.exec(hc.join(" ")) : null;
    if (url) liveness = { type: "http", path: url[1] };
    else if (hc?.[0] === "CMD") liveness = { type: "exec", command: hc.slice(1) };
    // The target group the ECS service registers with (its input, so among its dependencies): the load balancer's readiness check.
    const tg = plan.ofType("aws:lb/targetGroup:TargetGroup").find((t) => ecs[0].dependencies.includes(t.urn));
    const readiness: CheckFact = tg?.inputs.healthCheck?.path ? { type: "http", path: tg.inputs.healthCheck.path } : liveness;
    return { ...(container.command ? { command: container.command } : {}), replicas, scaling, liveness, readiness, variables };
}

/** A route as a platform renders it: path, the service it reaches (where the platform routes it), and whether it is private. */
export interface RouteFact {
    path: string;
    service?: string;
    private: boolean;
}

/** Docker: the nginx.conf the edge serves once its switch step has installed the last configuration (components/docker/edge.ts). */
function dockerEdgeConf(plan: Plan): string {
    const writer = plan.ofType("docker:index/container:Container").find((c) => c.name.endsWith("-edge-switch"));
    return String(writer?.inputs.uploads?.find((u: { file: string }) => u.file.endsWith("/edge.conf"))?.content ?? "");
}

/** Docker: the edge's nginx.conf locations (`location = /p`, `^~ /p/`, `/`) and their `proxy_pass $upstream_<service>` (the configuration its switch step installs last). */
export function dockerRoutes(plan: Plan): RouteFact[] {
    const conf = dockerEdgeConf(plan);
    const routes = new Map<string, RouteFact>();
    const blocks = conf.split(/\n\s*location /).slice(1);
    for (const block of blocks) {
        const head = /^(?:= |\^~ )?(\/\S*)\s*\{/.exec(block);
        const upstream = /proxy_pass \$upstream_([a-z0-9_]+)/.exec(block.split(/\n\s*}/)[0]);
        if (!head || !upstream) continue;
        const path = head[1] === "/" ? "/" : head[1].replace(/\/$/, "");
        routes.set(path, { path, service: upstream[1].replace(/_/g, "-"), private: /\n\s*deny all;/.test(block.split(/\n\s*}/)[0]) });
    }
    return [...routes.values()];
}

/** Kubernetes: the HTTPRoutes' path matches and backends; a route of its own per restricted path. */
export function kubernetesRoutes(plan: Plan): RouteFact[] {
    const out: RouteFact[] = [];
    for (const r of plan.resources.filter((x) => x.type.endsWith(":HTTPRoute"))) {
        for (const rule of r.inputs.spec.rules ?? []) {
            for (const m of rule.matches ?? []) {
                if (!m.path || !rule.backendRefs?.length) continue;
                out.push({ path: m.path.value, service: rule.backendRefs[0].name, private: /-restricted$/.test(r.name) });
            }
        }
    }
    return out;
}

/** AWS: the listeners' default forward ("/") and path rules (not the test listeners' previews); a fixed 403 on a path (the public ALB) makes it private, served by a forward rule elsewhere (the internal ALB). */
export function awsRoutes(plan: Plan): RouteFact[] {
    // A target group's ARN names its logical name (the mock's ARN); the group's `service` tag says whose it is.
    const groups = plan.ofType("aws:lb/targetGroup:TargetGroup");
    const tgService = (arn: string | undefined): string | undefined =>
        groups.find((g) => arn?.endsWith(`targetgroup/${g.name}`))?.inputs.tags?.service;
    const routes = new Map<string, RouteFact>();
    for (const l of plan.ofType("aws:lb/listener:Listener")) {
        const fwd = (l.inputs.defaultActions ?? []).find((a: { type: string }) => a.type === "forward");
        if (fwd)
            routes.set("/", { path: "/", service: tgService(fwd.targetGroupArn ?? fwd.forward?.targetGroups?.[0]?.arn), private: false });
    }
    for (const r of plan.ofType("aws:lb/listenerRule:ListenerRule")) {
        // A test listener's rule (the preview of a blue/green or canary service) is no route of the edge.
        if (r.inputs.tags?.access === "preview") continue;
        const paths: string[] = (r.inputs.conditions ?? []).flatMap(
            (c: { pathPattern?: { values: string[] } }) => c.pathPattern?.values ?? [],
        );
        if (paths.length === 0) continue;
        const path = paths.find((p) => !p.endsWith("/*")) ?? (paths[0].replace(/\/\*$/, "") || "/");
        const action = r.inputs.actions?.[0] ?? {};
        const prior = routes.get(path);
        if (action.type === "fixed-response" && action.fixedResponse?.statusCode === "403")
            routes.set(path, { path, ...(prior?.service ? { service: prior.service } : {}), private: true });
        else if (action.type === "forward")
            routes.set(path, {
                path,
                service: tgService(action.targetGroupArn ?? action.forward?.targetGroups?.[0]?.arn),
                private: prior?.private ?? false,
            });
    }
    return [...routes.values()];
}

/** One database's backups as a platform schedules them. */
export interface BackupFact {
    schedules: string[];
    retentionDays: number;
}

/** Docker: the backup container's labels. */
export function dockerBackups(plan: Plan): Record<string, BackupFact> {
    const out: Record<string, BackupFact> = {};
    for (const c of plan.ofType("docker:index/container:Container").filter((x) => label(x, "tierform.backup.schedule") !== undefined)) {
        const incremental = label(c, "tierform.backup.incremental-schedule");
        out[label(c, "tierform.datastore")!] = {
            schedules: [label(c, "tierform.backup.schedule")!, ...(incremental ? [incremental] : [])],
            retentionDays: Number(label(c, "tierform.backup.retention-days")),
        };
    }
    return out;
}

/** Kubernetes: the dump CronJobs by their annotations (database, run kind, retention) and their schedules; a restore test reads the dumps and is none of them. */
export function kubernetesBackups(plan: Plan): Record<string, BackupFact> {
    const out: Record<string, BackupFact> = {};
    for (const c of plan.ofType("kubernetes:batch/v1:CronJob")) {
        const annotations: Record<string, string> = c.inputs.metadata.annotations ?? {};
        const db = annotations[K8S_ANNOTATION.datastore];
        if (!db || annotations[K8S_ANNOTATION.backupKind] === RESTORE_TEST_KIND) continue;
        const b = (out[db] ??= { schedules: [], retentionDays: Number(annotations[K8S_ANNOTATION.retentionDays]) });
        if (annotations[K8S_ANNOTATION.backupKind] === "full") b.schedules.unshift(c.inputs.spec.schedule);
        else b.schedules.push(c.inputs.spec.schedule);
    }
    return out;
}

/** AWS: the backup plan of each database (tag `backup-of`): its scheduled and incremental rules. */
export function awsBackups(plan: Plan, _system?: string): Record<string, BackupFact> {
    const out: Record<string, BackupFact> = {};
    for (const p of plan.ofType("aws:backup/plan:Plan")) {
        const db: string | undefined = p.inputs.tags?.[AWS_TAG.backupOf];
        if (!db) continue;
        const rules = p.inputs.rules.filter((r: { ruleName: string }) => r.ruleName === "scheduled" || r.ruleName === "incremental");
        out[db] = { schedules: rules.map((r: { schedule: string }) => r.schedule), retentionDays: rules[0]?.lifecycle?.deleteAfter };
    }
    return out;
}

/** A service's traffic policy as a platform renders it at its edge (plan/traffic.ts), in the platform's own terms. */
export interface TrafficFact {
    /** Docker: proxy_read_timeout (= proxy_next_upstream_timeout); Kubernetes: requestTimeout; AWS: the ALB's idle timeout. */
    timeoutSeconds?: number;
    /** Attempts after the first and the platform's own retry conditions. */
    retries?: { attempts: number; on: string[] };
    /** The retry budget's percent. */
    retryBudgetPercent?: number;
    /** Ejection thresholds, or what the platform does instead. */
    outlier?: { consecutiveFailures: number; ejectSeconds: number; maxEjectedPercent: number } | "anomaly-mitigation" | "next-replica";
    /** The concurrency limit. */
    maxConcurrentRequests?: number;
    /** The service's own rate limit per client, and (AWS) the path prefixes its rule counts. */
    rateLimit?: { perMinute: number; paths?: string[] };
}

/** Docker: each routed service's locations in nginx.conf (they must agree with each other) and the zones they use. */
export function dockerTraffic(plan: Plan): Record<string, TrafficFact> {
    const conf = dockerEdgeConf(plan);
    const out: Record<string, TrafficFact> = {};
    for (const block of conf.split(/\n\s*location /).slice(1)) {
        const body = block.split(/\n\s*}/)[0];
        const upstream = /proxy_pass \$upstream_([a-z0-9_]+)/.exec(body);
        if (!upstream) continue;
        const service = upstream[1].replace(/_/g, "-");
        const directive = (name: string) => new RegExp(`\\n\\s*${name} ([^;]+);`).exec(body)?.[1];
        const fact: TrafficFact = {};
        const read = directive("proxy_read_timeout");
        if (read) {
            if (directive("proxy_next_upstream_timeout") !== read)
                throw new Error(`docker ${service}: the retry window differs from the read timeout`);
            fact.timeoutSeconds = Number(read.replace(/s$/, ""));
        }
        const next = directive("proxy_next_upstream");
        if (next && next !== "off") fact.retries = { attempts: Number(directive("proxy_next_upstream_tries")) - 1, on: next.split(" ") };
        // A variable proxy_pass is resolved per request: nginx keeps no failure state, the next replica is tried.
        if (next && next !== "off" && /proxy_pass \$/.test(body) && !/max_fails/.test(conf)) fact.outlier = "next-replica";
        const conn = /\n\s*limit_conn (\S+) (\d+);/.exec(body);
        if (conn) {
            if (!new RegExp(`limit_conn_zone "${service}" zone=${conn[1]}:`).test(conf))
                throw new Error(`docker ${service}: no zone ${conn[1]} counting all its requests`);
            fact.maxConcurrentRequests = Number(conn[2]);
        }
        for (const m of body.matchAll(/\n\s*limit_req zone=(\S+) /g)) {
            if (m[1] === "perip") continue;
            const rate = new RegExp(`limit_req_zone \\$binary_remote_addr zone=${m[1]}:\\S+ rate=(\\d+)r/m;`).exec(conf);
            if (!rate) throw new Error(`docker ${service}: zone ${m[1]} is not per client`);
            fact.rateLimit = { perMinute: Number(rate[1]) };
        }
        if (out[service] && JSON.stringify(out[service]) !== JSON.stringify(fact))
            throw new Error(`docker ${service}: its locations differ`);
        out[service] = fact;
    }
    return out;
}

/** Kubernetes: each service's BackendTrafficPolicy on its HTTPRoutes (it must cover all of them and repeat the edge's rate rule and buffer). */
export function kubernetesTraffic(plan: Plan): Record<string, TrafficFact> {
    const policies = plan.resources.filter((r) => r.inputs?.kind === "BackendTrafficPolicy");
    const edge = policies.find((p) => p.inputs.spec.targetRefs.some((t: { kind: string }) => t.kind === "Gateway"))!.inputs.spec;
    const routes = plan.resources.filter((r) => r.inputs?.kind === "HTTPRoute");
    const out: Record<string, TrafficFact> = {};
    for (const route of routes) {
        const service = route.inputs.spec.rules?.[0]?.backendRefs?.[0]?.name;
        if (!service) continue;
        const on = policies.filter((p) =>
            p.inputs.spec.targetRefs.some(
                (t: { kind: string; name: string }) => t.kind === "HTTPRoute" && t.name === route.inputs.metadata.name,
            ),
        );
        if (on.length > 1) throw new Error(`kubernetes ${service}: ${on.length} policies on one route`);
        const p = on[0]?.inputs.spec;
        const fact: TrafficFact = {};
        if (p) {
            // Without merging, the route's policy replaces the Gateway's: the edge's limit and buffer must be repeated.
            if (JSON.stringify(p.rateLimit.global.rules[0]) !== JSON.stringify(edge.rateLimit.global.rules[0]))
                throw new Error(`kubernetes ${service}: the route policy drops the edge's per-client rate limit`);
            if (JSON.stringify(p.requestBuffer) !== JSON.stringify(edge.requestBuffer))
                throw new Error(`kubernetes ${service}: the route policy drops the request buffer`);
            const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)![1]);
            fact.timeoutSeconds = seconds(p.timeout.http.requestTimeout);
            if (p.retry) fact.retries = { attempts: p.retry.numRetries, on: p.retry.retryOn.triggers };
            if (p.circuitBreaker.retryBudget)
                fact.retryBudgetPercent =
                    (100 * p.circuitBreaker.retryBudget.percent.numerator) / p.circuitBreaker.retryBudget.percent.denominator;
            const passive = p.healthCheck.passive;
            if (passive.consecutiveLocalOriginFailures !== passive.consecutive5XxErrors)
                throw new Error(`kubernetes ${service}: connection failures and 5xx count differently`);
            fact.outlier = {
                consecutiveFailures: passive.consecutive5XxErrors,
                ejectSeconds: seconds(passive.baseEjectionTime),
                maxEjectedPercent: passive.maxEjectionPercent,
            };
            const cb = p.circuitBreaker;
            if (cb.maxPendingRequests !== cb.maxParallelRequests || cb.maxConnections !== cb.maxParallelRequests)
                throw new Error(`kubernetes ${service}: the circuit breaker's limits differ`);
            fact.maxConcurrentRequests = cb.maxParallelRequests;
            const own = p.rateLimit.global.rules[1];
            if (own) fact.rateLimit = { perMinute: own.limit.requests };
        }
        if (out[service] && JSON.stringify(out[service]) !== JSON.stringify(fact))
            throw new Error(`kubernetes ${service}: its routes' policies differ`);
        out[service] = fact;
    }
    return out;
}

/** AWS: the load balancer's idle timeout, each routed service's target group and its WAF rate rule (the same on every web ACL). */
export function awsTraffic(plan: Plan): Record<string, TrafficFact> {
    const albs = plan.ofType("aws:lb/loadBalancer:LoadBalancer");
    const idle = new Set(albs.map((a) => a.inputs.idleTimeout));
    if (idle.size !== 1) throw new Error(`aws: the load balancers' idle timeouts differ: ${[...idle].join(", ")}`);
    const acls = plan.ofType("aws:wafv2/webAcl:WebAcl");
    const out: Record<string, TrafficFact> = {};
    for (const g of plan.ofType("aws:lb/targetGroup:TargetGroup")) {
        const service = g.inputs.tags?.service;
        if (!service || g.inputs.tags?.role !== "primary") continue;
        const fact: TrafficFact = { timeoutSeconds: [...idle][0] };
        if (g.inputs.loadBalancingAnomalyMitigation === "on" && g.inputs.loadBalancingAlgorithmType === "weighted_random")
            fact.outlier = "anomaly-mitigation";
        const rules = acls.map((a) => (a.inputs.rules ?? []).find((r: { name: string }) => r.name === `rate-limit-${service}`));
        if (
            rules.some(
                (r) =>
                    JSON.stringify(r?.statement?.rateBasedStatement?.scopeDownStatement) !==
                    JSON.stringify(rules[0]?.statement?.rateBasedStatement?.scopeDownStatement),
            )
        )
            throw new Error(`aws ${service}: the web ACLs count different paths`);
        const rate = rules[0]?.statement?.rateBasedStatement;
        if (rate) {
            const scope = rate.scopeDownStatement;
            const statements = scope ? (scope.orStatement?.statements ?? [scope]) : [];
            fact.rateLimit = {
                perMinute: rate.limit * (60 / rate.evaluationWindowSec),
                paths: statements.map((s: { byteMatchStatement: { searchString: string; positionalConstraint: string } }) => {
                    if (s.byteMatchStatement.positionalConstraint !== "STARTS_WITH") throw new Error(`aws ${service}: not a prefix match`);
                    return s.byteMatchStatement.searchString;
                }),
            };
        }
        out[service] = fact;
    }
    return out;
}
