/**
 * Staging rollouts (components/kubernetes/rollout.ts): Asset Management's frontend canary and api
 * blue-green as Argo Rollouts objects, validated against the Argo Rollouts CRD schemas
 * (`@kubernetes-models/argo-rollouts` 0.3.2), with the schedule of the plan; the HTTPRoute's canary
 * backend, the autoscaler's target, the NetworkPolicy flow of the promotion checks, and the
 * operator release that runs it (the plugin's init container under the restricted profile).
 */
import { strict as assert } from "assert";
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { AnalysisTemplate } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate";
import { planComponent } from "../../harness";
import { KubernetesService } from "../../../components/kubernetes/service";
import { argoRolloutsValues, neededOperators } from "../../../components/kubernetes/operators";
import { systemFlows } from "../../../components/kubernetes/network";
import { backendRefs } from "../../../components/kubernetes/edge";
import { bindingsOf, context, object, objects } from "./fixtures";

describe("kubernetes rollouts (Argo Rollouts)", function () {
    this.timeout(120000);
    const ctx = context("asset-management");
    const build = (name: "frontend" | "api", c = ctx) => {
        const plan = c.system.services[name];
        const urls = Object.fromEntries(plan.uses.map((u) => [u, "x"]));
        return planComponent(() => new KubernetesService("t", { ctx: c, plan, bindings: bindingsOf(c.system, urls) }).address);
    };
    const manifest = (r: { inputs: Record<string, any> }) => {
        const { apiVersion, kind, metadata, spec } = r.inputs;
        return { apiVersion, kind, metadata, spec };
    };

    it("says so, as a warning of the run, when a rollout's analysis cannot run (tierform:monitoringCrds false), and not otherwise", async () => {
        const warningsOf = (plan: Awaited<ReturnType<typeof build>>) =>
            plan.run.messages.filter((m) => m.severity === "warning" && /rollout\.analysis does not run/.test(m.message));
        const off = await build("frontend", context("asset-management", { "tierform:monitoringCrds": false }));
        assert.equal(off.resources.filter((r) => r.inputs?.kind === "AnalysisTemplate").length, 0, "no analysis without Prometheus");
        const [warning] = warningsOf(off);
        assert.match(
            warning?.message ?? "",
            /services\.frontend\.rollout\.analysis .*monitoringCrds is false.*canary advances on its pauses/,
        );
        assert.deepEqual(warningsOf(await build("frontend")), []);
    });

    it("runs the frontend's canary 5 → 25 → 50 → 100 on HTTPRoute weights, judged by the analysis from the first step", async () => {
        const plan = await build("frontend");
        const rollout = object(plan, "Rollout", "frontend");
        new Rollout(manifest(rollout) as never).validate();
        const canary = rollout.inputs.spec.strategy.canary;
        assert.deepEqual(canary.steps, [
            { setWeight: 5 },
            { pause: { duration: "300s" } },
            { setWeight: 25 },
            { pause: { duration: "300s" } },
            { setWeight: 50 },
            { pause: { duration: "600s" } },
            { setWeight: 100 },
        ]);
        assert.deepEqual([canary.stableService, canary.canaryService], ["frontend", "frontend-canary"]);
        assert.deepEqual(canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"], {
            httpRoutes: [{ name: "edge-frontend" }],
            namespace: "asset-management",
        });
        assert.deepEqual(canary.analysis, { templates: [{ templateName: "frontend-analysis" }], startingStep: 1 });
        assert.deepEqual(rollout.inputs.spec.workloadRef, {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: "frontend",
            scaleDown: "onsuccess",
        });
        const template = object(plan, "AnalysisTemplate", "frontend-analysis");
        new AnalysisTemplate(manifest(template) as never).validate();
        assert.deepEqual(
            template.inputs.spec.metrics.map((m: any) => [m.name, m.interval, m.failureLimit, m.successCondition, m.count]),
            [
                ["error-rate", "60s", 1, "result[0] <= 0.01", undefined],
                ["latency-p99", "60s", 1, "result[0] <= 1000", undefined],
            ],
        );
        // The Deployment holds the template and Pulumi leaves its replicas alone (Argo scales it to 0 once the Rollout is
        // healthy); KEDA scales the Rollout.
        assert.equal(object(plan, "Deployment", "frontend").inputs.spec.replicas, undefined);
        assert.deepEqual(object(plan, "ScaledObject", "frontend").inputs.spec.scaleTargetRef, {
            apiVersion: "argoproj.io/v1alpha1",
            kind: "Rollout",
            name: "frontend",
        });
        assert.deepEqual(
            object(plan, "Service", "frontend-canary").inputs.spec.selector,
            object(plan, "Service", "frontend").inputs.spec.selector,
        );
        assert.deepEqual(backendRefs("frontend", 8080, "frontend-canary"), [
            { name: "frontend", port: 8080, weight: 100 },
            { name: "frontend-canary", port: 8080, weight: 0 },
        ]);
    });

    it("runs the api's blue-green: migration Job first, a smoke test against the preview, the analysis through the bake", async () => {
        const plan = await build("api");
        const rollout = object(plan, "Rollout", "api");
        new Rollout(manifest(rollout) as never).validate();
        assert.deepEqual(rollout.inputs.spec.strategy.blueGreen, {
            activeService: "api",
            previewService: "api-preview",
            autoPromotionEnabled: true,
            scaleDownDelaySeconds: 600,
            prePromotionAnalysis: { templates: [{ templateName: "api-pre-promotion" }] },
            postPromotionAnalysis: { templates: [{ templateName: "api-analysis" }] },
        });
        const migrate = objects(plan, "Job").find((j) => j.inputs.metadata.name.startsWith("api-migrate-"));
        assert.ok(migrate, "the migration Job");
        assert.ok(object(plan, "Deployment", "api").dependencies.includes(migrate.urn), "the new pods start after the migration");
        const analysis = object(plan, "AnalysisTemplate", "api-analysis");
        new AnalysisTemplate(manifest(analysis) as never).validate();
        assert.ok(
            analysis.inputs.spec.metrics.every((m: any) => m.count * 60 <= 600),
            "the post-promotion analysis ends within the bake, while the old pods still run",
        );
        const smoke = object(plan, "AnalysisTemplate", "api-pre-promotion");
        new AnalysisTemplate(manifest(smoke) as never).validate();
        const job = smoke.inputs.spec.metrics[0].provider.job.spec.template;
        const container = job.spec.containers[0];
        assert.equal(container.args[0], "node");
        assert.deepEqual(
            container.env.find((e: any) => e.name === "PREVIEW_URL"),
            { name: "PREVIEW_URL", value: "http://api-preview.asset-management.svc.cluster.local:3000" },
        );
        assert.deepEqual(
            [
                job.spec.restartPolicy,
                job.spec.securityContext.runAsNonRoot,
                container.securityContext.allowPrivilegeEscalation,
                container.readinessProbe,
            ],
            ["Never", true, false, undefined],
        );
        assert.equal(job.metadata.labels["app.kubernetes.io/instance"], "asset-management-api-rollout-check");
        // The NetworkPolicy admits the check to the api's port and, since it runs with the api's variables
        // (its SDK exports spans while traces are on), to the collector; nothing else of it.
        assert.ok(
            container.env.some((e: any) => e.name === "OTEL_EXPORTER_OTLP_ENDPOINT"),
            "the check exports spans",
        );
        // In the mesh (tierform:mesh, on by default) the check is enrolled and runs as its own ServiceAccount, the identity
        // the api's AuthorizationPolicy admits (mesh.ts); its call arrives tunnelled, on HBONE's port too.
        assert.ok(ctx.settings.mesh);
        assert.equal(job.metadata.labels["istio.io/dataplane-mode"], "ambient");
        assert.equal(job.spec.serviceAccountName, "api-rollout-check");
        const account = object(plan, "ServiceAccount", "api-rollout-check");
        assert.equal(account.inputs.automountServiceAccountToken, false);
        const flows = systemFlows(ctx.system, ctx.settings).filter((f) => f.from.component === "api-rollout-check");
        assert.deepEqual(
            flows.map((f) => [f.to.component, f.ports]),
            [
                ["api", [{ port: 3000 }, { port: 15008 }]],
                ["otel-collector", [{ port: 4318 }]],
            ],
        );
    });

    it("installs Argo Rollouts only where a rollout needs it, its Gateway API plugin copied in under the restricted profile", () => {
        assert.ok(neededOperators(ctx.system, ctx.settings).includes("argoRollouts"));
        const mdc = context("mdc-tts");
        assert.ok(!neededOperators(mdc.system, mdc.settings).includes("argoRollouts"));
        const values = argoRolloutsValues() as any;
        const init = values.controller.initContainers[0];
        assert.match(init.image, /^ghcr\.io\/argoproj-labs\/rollouts-plugin-trafficrouter-gatewayapi:v\d+\.\d+\.\d+$/);
        assert.deepEqual(
            [init.securityContext.runAsNonRoot, init.securityContext.readOnlyRootFilesystem, init.securityContext.capabilities.drop],
            [true, true, ["ALL"]],
        );
        assert.deepEqual(values.controller.trafficRouterPlugins, [
            { name: "argoproj-labs/gatewayAPI", location: "file:///plugins/rollouts-plugin-trafficrouter-gatewayapi" },
        ]);
    });
});
