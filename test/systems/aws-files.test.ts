/**
 * File shares on AWS (components/aws/files.ts), as the whole program builds them for AuroMart on
 * prod: its `files` share (uploads, invoices, reports, mounted by `web` and `admin`) is an
 * encrypted, protected EFS file system with a mount target in every private subnet, NFS only from
 * the mounting services, an access point per directory that owns it for the services' user, and
 * tasks that mount it over TLS with IAM authorization and a task role limited to those access points.
 */
import * as assert from "assert";
import { fileShareProblems } from "../../components/aws/files";
import { loadStack } from "../../model";
import { planStack, stackConfig, type Plan } from "../harness";

const FS = "aws:efs/fileSystem:FileSystem";
const AP = "aws:efs/accessPoint:AccessPoint";
const MT = "aws:efs/mountTarget:MountTarget";

describe("file shares on AWS (AuroMart, prod)", function () {
    this.timeout(120000);
    let p: Plan;
    const system = loadStack(stackConfig({ stack: "prod", system: "auromart" })).system;
    before(async () => {
        p = await planStack({ stack: "prod", system: "auromart" });
    });

    it("one encrypted, protected file system per share, with a mount target in every private subnet and NFS only from the services that mount it", () => {
        const [fs] = p.ofType(FS);
        assert.strictEqual(p.ofType(FS).length, Object.keys(system.fileShares).length);
        assert.strictEqual(fs.inputs.encrypted, true);
        assert.match(fs.inputs.kmsKeyId, /^arn:aws:kms:/);
        assert.strictEqual(fs.protect, true, "protected in prod");
        const policy = JSON.parse(p.one("aws:efs/fileSystemPolicy:FileSystemPolicy", "auromart-files-files").inputs.policy);
        assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        const privateSubnets = p
            .ofType("aws:ec2/subnet:Subnet")
            .filter((s) => s.inputs.tags["subnet-tier"] === "private")
            .map((s) => `${s.name}-id`);
        const targets = p.ofType(MT);
        assert.deepStrictEqual(targets.map((t) => t.inputs.subnetId).sort(), privateSubnets.sort());
        const nfs = p
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.securityGroupId === targets[0].inputs.securityGroups[0]);
        assert.deepStrictEqual(nfs.map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId]).sort(), [
            [2049, 2049, "auromart-network-svc-admin-id"],
            [2049, 2049, "auromart-network-svc-web-id"],
        ]);
        const out = p
            .ofType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
            .filter((r) => r.inputs.referencedSecurityGroupId === targets[0].inputs.securityGroups[0]);
        assert.deepStrictEqual(out.map((r) => r.inputs.securityGroupId).sort(), [
            "auromart-network-svc-admin-id",
            "auromart-network-svc-web-id",
        ]);
    });

    it("an access point per directory creates it owned by the services' user, and the tasks mount through it with TLS and IAM", () => {
        const aps = p.ofType(AP);
        assert.deepStrictEqual(
            aps.map((a) => a.inputs.rootDirectory.path).sort(),
            ["/data/invoices", "/data/reports", "/data/uploads"],
            "one per sub-path; web and admin share them (same user)",
        );
        for (const ap of aps) {
            assert.deepStrictEqual(ap.inputs.posixUser, { uid: 10001, gid: 10001 });
            assert.deepStrictEqual(ap.inputs.rootDirectory.creationInfo, { ownerUid: 10001, ownerGid: 10001, permissions: "750" });
        }
        for (const svc of ["web", "admin"]) {
            const task = p.one("aws:ecs/taskDefinition:TaskDefinition", `auromart-${svc}-task`);
            const efs = task.inputs.volumes.filter((v: any) => v.efsVolumeConfiguration);
            assert.strictEqual(efs.length, 3, svc);
            const container = JSON.parse(task.inputs.containerDefinitions).find((c: any) => c.name === svc);
            for (const m of system.services[svc].mounts) {
                const point = container.mountPoints.find((x: any) => x.containerPath === m.path);
                assert.ok(point, `${svc} mounts ${m.path}`);
                const volume = efs.find((v: any) => v.name === point.sourceVolume).efsVolumeConfiguration;
                const ap = aps.find((a) => `${a.name}-id` === volume.authorizationConfig.accessPointId)!;
                assert.strictEqual(ap.inputs.rootDirectory.path, `/data/${m.subPath}`, `${svc} ${m.path}`);
                assert.strictEqual(volume.transitEncryption, "ENABLED");
                assert.strictEqual(volume.authorizationConfig.iam, "ENABLED");
                assert.strictEqual(volume.rootDirectory, undefined);
            }
            // The task role may mount and write the file system through its own access points only.
            const statement = JSON.parse(p.one("aws:iam/rolePolicy:RolePolicy", `auromart-${svc}-task`).inputs.policy).Statement.find(
                (s: any) => String(s.Action).includes("elasticfilesystem"),
            );
            assert.deepStrictEqual(statement.Action, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
            assert.strictEqual(statement.Resource, `arn:aws:efs:us-east-1:123456789012:filesystem/${p.ofType(FS)[0].name}`);
            assert.deepStrictEqual(
                [...statement.Condition.StringEquals["elasticfilesystem:AccessPointArn"]].sort(),
                aps.map((a) => `arn:aws:efs:us-east-1:123456789012:accesspoint/${a.name}`).sort(),
            );
            const service = p.one("aws:ecs/service:Service", `auromart-${svc}-service`);
            assert.strictEqual(service.inputs.platformVersion, "LATEST");
            for (const t of p.ofType(MT)) assert.ok(service.dependencies.includes(t.urn), `${svc} waits for mount target ${t.name}`);
        }
        // A service without mounts gets no EFS volume.
        assert.deepStrictEqual(efsTasksOfOthers(p), []);
    });

    it("refuses a subPath an EFS access point cannot expose (more than three directories below the share's root), naming the spec path", () => {
        const deep = loadStack(
            stackConfig({
                stack: "prod",
                system: "auromart",
                overrides: { services: { web: { mounts: [{ path: "/app/uploads", share: "files", subPath: "a/b/c/d" }] } } },
            }),
        ).system;
        assert.deepStrictEqual(
            fileShareProblems(deep).map((x) => x.where),
            ["services.web.mounts[0].subPath"],
        );
        assert.match(fileShareProblems(deep)[0].message, /'a\/b\/c\/d' is 4 directories .* at most 3/);
        assert.deepStrictEqual(fileShareProblems(system), []);
    });

    it("AWS Backup takes the file system in (and copies it off-site like the databases)", () => {
        const fsArn = `arn:aws:efs:us-east-1:123456789012:filesystem/${p.ofType(FS)[0].name}`;
        const selection = p.ofType("aws:backup/selection:Selection").find((s) => (s.inputs.resources ?? []).includes(fsArn));
        assert.ok(selection, "a backup selection names the file system");
        const plan = p.ofType("aws:backup/plan:Plan").find((x) => selection.inputs.planId === `${x.name}-id`)!;
        assert.ok(
            plan.inputs.rules.length > 0 && plan.inputs.rules.every((r: any) => !r.enableContinuousBackup && r.copyActions?.length === 1),
            "snapshot rules, each copied off-site",
        );
    });
});

/** Task definitions of the plan that have EFS volumes but belong to a service without mounts. */
function efsTasksOfOthers(p: Plan): string[] {
    return p
        .ofType("aws:ecs/taskDefinition:TaskDefinition")
        .filter((t) => !/auromart-(web|admin)-task$/.test(t.name) && (t.inputs.volumes ?? []).some((v: any) => v.efsVolumeConfiguration))
        .map((t) => t.name);
}
