import * as assert from "assert";
import * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import { planComponent, type Plan } from "../../harness";
import { DockerEdge } from "../../../components/docker/edge";
import { renderNginxConf } from "../../../components/shared/nginx";
import { EDGE_IMAGE } from "../../../components/shared/images";
import { edgeWatcherScript, LIVE_CONF } from "../../../components/docker/rollout";
import { CONTAINER, devPlan, hardeningProblems, isSecretAt, labelsOf, networksOf, uploadOf } from "./helpers";

const upstreams = [
    { name: "web", servers: ["web:8000"] },
    { name: "admin", servers: ["admin:8000"] },
];

describe("docker Edge (nginx)", () => {
    let plan: Plan;
    before(async () => {
        const { plan: system } = devPlan("auromart");
        plan = await planComponent(() => {
            const e = new DockerEdge("auromart-edge", {
                system,
                networks: { edge: "auromart-net-edge", app: "auromart-net-app" },
                upstreams,
                bindAddress: "127.0.0.1",
                httpPort: 8080,
                httpsPort: 8443,
            });
            return { url: e.url };
        });
    });
    const container = () => plan.one(CONTAINER, "auromart-edge");
    const step = () => plan.one(CONTAINER, "auromart-edge-switch");
    const conf = () => uploadOf(step(), "/run/tierform-next/edge.conf")!.content;

    it("runs the pinned unprivileged nginx as uid 101, hardened", () => {
        assert.ok(container().inputs.image.startsWith(`${EDGE_IMAGE}@`));
        assert.strictEqual(container().inputs.user, "101:101");
        assert.deepStrictEqual(hardeningProblems(container()), []);
        assert.deepStrictEqual(container().inputs.entrypoints, ["/bin/sh", "-c"]);
        assert.deepStrictEqual(container().inputs.command, [edgeWatcherScript(LIVE_CONF)], "nginx under the watcher that reloads it");
        assert.strictEqual(labelsOf(container())["tierform.tier"], "edge");
    });

    it("publishes 8080 and 8443 on 127.0.0.1 only, and joins the edge and app networks", () => {
        assert.deepStrictEqual(
            container().inputs.ports.map((p: any) => `${p.ip}:${p.external}->${p.internal}`),
            ["127.0.0.1:8080->8080", "127.0.0.1:8443->8443"],
        );
        assert.deepStrictEqual(networksOf(container()), ["auromart-net-edge", "auromart-net-app"]);
        assert.strictEqual(plan.outputs.url, "https://127.0.0.1:8443");
    });

    it("serves a self-signed certificate for the domain and localhost; the key is a secret file", () => {
        const cert = plan.one("tls:index/selfSignedCert:SelfSignedCert", "auromart-edge-tls-cert");
        assert.deepStrictEqual(cert.inputs.dnsNames, ["auromart.example.com", "localhost"]);
        assert.deepStrictEqual(cert.inputs.ipAddresses, ["127.0.0.1"]);
        assert.ok(cert.inputs.allowedUses.includes("server_auth"));
        const key = uploadOf(container(), "/run/tierform/tls.key")!;
        assert.match(key.content, /PRIVATE KEY/);
        assert.strictEqual(key.permissions, "0400");
        assert.ok(isSecretAt(container(), `uploads[${key.index}].content`));
        assert.match(uploadOf(container(), "/run/tierform/tls.crt")!.content, /CERTIFICATE/);
    });

    it("renders nginx.conf resolving each service's name at request time through Docker's DNS, with the canonical Host, the redirect, headers, rate limit and allow list", () => {
        const c = conf();
        assert.match(c, /resolver 127\.0\.0\.11 valid=10s ipv6=off;/);
        assert.doesNotMatch(c, /upstream \w+ \{/, "no upstream block: those resolve once, at start");
        for (const u of upstreams)
            assert.match(c, new RegExp(`set \\$upstream_${u.name} http://${u.servers[0]};\\s*proxy_pass \\$upstream_${u.name};`));
        assert.match(c, /proxy_set_header Host auromart\.example\.com;/);
        assert.match(c, /proxy_set_header X-Forwarded-Host \$host;/);
        assert.match(c, /listen 8080;[\s\S]*return 301 https:\/\/\$host:8443\$request_uri;/);
        assert.match(c, /listen 8443 ssl/);
        assert.match(c, /ssl_protocols TLSv1\.2 TLSv1\.3;/);
        assert.match(c, /server_tokens off;/);
        assert.match(c, /add_header X-Frame-Options "DENY" always;/);
        assert.match(c, /add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;/);
        assert.match(c, /limit_req_zone \$binary_remote_addr zone=perip:10m rate=600r\/m;/);
        assert.match(c, /client_max_body_size 20m;/);
        assert.match(
            c,
            /location \^~ \/admin\/ \{\s*allow 10\.0\.0\.0\/8;\s*allow 192\.168\.0\.0\/16;\s*deny all;[^}]*proxy_pass \$upstream_admin;/,
        );
        assert.match(c, /location \/ \{\s*limit_req zone=perip[^}]*proxy_pass \$upstream_web;/);
        assert.match(c, /ssl_certificate "\/run\/tierform\/tls\.crt";/);
        assert.match(c, /pid \/tmp\/nginx\.pid;/);
    });

    it("takes its configuration from the switch step, which starts after the upstream replicas; nothing of the step is an input of the edge (no re-creation on a switch)", async () => {
        const { plan: system } = devPlan("auromart");
        const seen: Record<string, pulumi.ResourceOptions> = {};
        let replicas: docker.Container[] = [];
        const p = await planComponent(() => {
            replicas = ["auromart-web-0", "auromart-web-1"].map((n) => new docker.Container(n, { name: n, image: "x:1" }));
            new DockerEdge(
                "auromart-edge",
                { system, networks: { edge: "e", app: "a" }, upstreams, upstreamContainers: replicas },
                { transformations: [(a) => void (seen[a.name] = a.opts)] },
            );
        });
        const edge = p.one(CONTAINER, "auromart-edge");
        const step = p.one(CONTAINER, "auromart-edge-switch");
        for (const r of p.ofType(CONTAINER).filter((c) => c.name.startsWith("auromart-web-"))) {
            assert.ok(step.dependencies.includes(r.urn), r.name);
            assert.ok(!edge.dependencies.includes(r.urn), `${r.name}: the edge no longer waits for replicas itself`);
        }
        assert.ok(edge.dependencies.includes(step.urn), "the edge starts once its first configuration is there");
        assert.doesNotMatch(JSON.stringify(edge.inputs), /switch|tierform-next/, "no input of the edge names the step");
        assert.deepStrictEqual(
            edge.inputs.volumes.find((v: any) => v.containerPath === "/run/tierform-routing"),
            { volumeName: "auromart-edge-routing", containerPath: "/run/tierform-routing", readOnly: true },
        );
        assert.deepStrictEqual(
            step.inputs.volumes,
            [{ volumeName: "auromart-edge-routing", containerPath: "/run/tierform-routing" }],
            "only the step writes the routing volume",
        );
        assert.strictEqual(step.inputs.user, "101:101");
        assert.strictEqual(p.one(CONTAINER, "auromart-edge-routing-owner").inputs.command[0].includes("chown 101:101"), true);
        assert.strictEqual(seen["auromart-edge"].replaceWith, undefined);
        assert.strictEqual(edge.inputs.wait, true);
    });

    it("refuses what would not render safely", () => {
        const base = {
            serverName: "x.example.com",
            rateLimitPerMinute: 60,
            upstreams: [{ name: "a", servers: ["a-0:80"] }],
            routes: [{ path: "/", upstream: "a" }],
        };
        assert.doesNotThrow(() => renderNginxConf(base));
        assert.throws(() => renderNginxConf({ ...base, routes: [{ path: "/", upstream: "missing" }] }), /unknown upstream/);
        assert.throws(() => renderNginxConf({ ...base, securityHeaders: { "X-Evil": 'a"; return 200 "pwned' } }), /double quotes/);
        assert.throws(
            () => renderNginxConf({ ...base, routes: [{ path: "/", upstream: "a", allowCidrs: ["all; allow 0.0.0.0/0"] }] }),
            /not an IP/,
        );
        assert.throws(() => renderNginxConf({ ...base, upstreams: [{ name: "a", servers: [] }] }), /no servers/);
        // Without TLS: one plain-HTTP server with the routes, no redirect, no HSTS.
        const plain = renderNginxConf(base);
        assert.doesNotMatch(plain, /return 301|ssl|Strict-Transport-Security/);
        assert.match(plain, /proxy_pass http:\/\/a;/);
    });
});
