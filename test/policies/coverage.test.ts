/**
 * policies/COVERAGE.md maps every resource type a user would plausibly deploy (the types every
 * preset's plan creates, and their neighbours in the same provider modules) to the public rules
 * that apply and the tierform policy that covers each, or why none does. This keeps it honest: a
 * row per required and planned type, no blank cell, every named policy exists, applies to the
 * row's type (or is a stack policy) and cites the row's public rules; and the counts it states
 * are the pack's.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../harness";
import { allPolicies, policyMeta } from "../../policies/rules";
import { PUBLIC_RULE as PUBLIC, publicRulesOf } from "./public-rules";

const ROOT = path.join(__dirname, "..", "..");
const TEXT = fs.readFileSync(path.join(ROOT, "policies", "COVERAGE.md"), "utf8");

/** One row of the table. */
interface Row {
    line: number;
    type: string;
    rules: string[];
    policies: string[];
    verdict: string;
    why: string;
}

/** The rows of every coverage table: lines that start with a backticked type token. */
function rows(): Row[] {
    return TEXT.split("\n").flatMap((l, i) => {
        if (!l.startsWith("| `")) return [];
        const cells = l
            .replace(/^\|/, "")
            .replace(/\|\s*$/, "")
            .split(" | ")
            .map((c) => c.trim());
        const policies = [...cells[2].matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]);
        return [
            {
                line: i + 1,
                type: cells[0].replace(/`/g, ""),
                rules: cells[1].split(/,\s*/),
                policies,
                verdict: cells[2],
                why: cells[3] ?? "",
            },
        ];
    });
}

/** Types the issue names as neighbours users add, beside everything the presets plan. */
const REQUIRED = [
    "aws:iam/role:Role",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
    "aws:iam/user:User",
    "aws:iam/group:Group",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketAcl:BucketAcl",
    "aws:ebs/volume:Volume",
    "aws:ebs/snapshot:Snapshot",
    "aws:efs/fileSystem:FileSystem",
    "aws:rds/cluster:Cluster",
    "aws:rds/instance:Instance",
    "aws:kms/key:Key",
    "aws:secretsmanager/secret:Secret",
    "aws:lambda/functionUrl:FunctionUrl",
    "aws:lambda/function:Function",
    "aws:cloudtrail/trail:Trail",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:core/v1:Service",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:batch/v1:Job",
    "kubernetes:batch/v1:CronJob",
    "kubernetes:core/v1:Pod",
    "docker:index/remoteImage:RemoteImage",
    "docker:index/image:Image",
    "docker:index/network:Network",
    "docker:index/volume:Volume",
    "docker:index/container:Container",
];

const PRESETS = fs
    .readdirSync(path.join(ROOT, "systems"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.replace(/\.yaml$/, ""));

describe("policies/COVERAGE.md", function () {
    this.timeout(240000);
    const table = rows();
    const typesWithRows = new Set(table.map((r) => r.type));

    it("has a row for every type the issue names", () => {
        assert.deepStrictEqual(
            REQUIRED.filter((t) => !typesWithRows.has(t)),
            [],
        );
    });

    it("has a row for every platform type every preset plans on every stack", async () => {
        const missing = new Set<string>();
        for (const stack of ["dev", "staging", "prod"]) {
            for (const system of PRESETS) {
                const plan = await planStack({ stack, system });
                for (const r of plan.run.resources)
                    if (r.custom && /^(aws|kubernetes|docker):/.test(r.type) && !typesWithRows.has(r.type))
                        missing.add(`${r.type} (${system} on ${stack})`);
            }
        }
        assert.deepStrictEqual([...missing], []);
    });

    it("leaves no cell blank: rules, a policy or N/A / not enforced, and why", () => {
        const blank = table.filter(
            (r) =>
                r.rules.some((x) => x === "") ||
                r.verdict === "" ||
                r.why === "" ||
                (r.policies.length === 0 && !/^(N\/A|not enforced)$/.test(r.verdict)),
        );
        assert.deepStrictEqual(
            blank.map((r) => `line ${r.line}: ${r.type}`),
            [],
        );
    });

    it("names only policies that exist and apply to the row's type (or are stack policies)", () => {
        const wrong: string[] = [];
        for (const r of table) {
            for (const p of r.policies) {
                const meta = policyMeta[p];
                if (!meta) wrong.push(`line ${r.line}: no policy ${p}`);
                else if (meta.kind === "resource" && !(meta.types ?? []).includes(r.type))
                    wrong.push(`line ${r.line}: ${p} does not look at ${r.type}`);
            }
        }
        assert.deepStrictEqual(wrong, []);
    });

    it("says a rule is covered only by a policy that cites it", () => {
        const uncited: string[] = [];
        for (const r of table) {
            if (r.policies.length === 0) continue;
            const cited = r.policies.flatMap((p) => policyMeta[p]?.sources ?? []).join("; ");
            for (const rule of r.rules)
                if (PUBLIC.test(rule) && !cited.includes(rule))
                    uncited.push(`line ${r.line}: ${rule} is not among the sources of ${r.policies.join(", ")}`);
        }
        assert.deepStrictEqual(uncited, []);
    });

    it("lists every public rule a resource policy cites somewhere in the table", () => {
        const inTable = new Set(table.flatMap((r) => r.rules));
        const resourcePolicies = Object.entries(policyMeta)
            .filter(([, m]) => m.kind === "resource")
            .map(([n]) => n);
        assert.deepStrictEqual(
            [...publicRulesOf(resourcePolicies)].filter((r) => !inTable.has(r)),
            [],
        );
    });

    it("states the pack's policy and public-rule counts", () => {
        const m = /\| the pack now[^|]*\| (\d+) \| (\d+) \|/.exec(TEXT);
        assert.ok(m, "the Counts table has a 'the pack now' row");
        assert.strictEqual(Number(m[1]), allPolicies.length, "policies");
        assert.strictEqual(Number(m[2]), publicRulesOf(Object.keys(policyMeta)).size, "public rules covered");
    });
});
