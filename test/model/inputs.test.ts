import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { formatProblems, loadStack, MAX_SPEC_BYTES } from "../../model";
import { problemsOf } from "../harness";
import { policyFloorProblems, strictest } from "../../model/floors";
import { cidrProblem, dnsNameProblem } from "../../conventions/network";

/** The one problem of this config, as the plan prints it (one line). */
function oneLine(config: Record<string, string>, cwd?: string): string {
    const problems = problemsOf(config, cwd);
    assert.equal(problems.length, 1, problems.map((p) => `${p.where}: ${p.message}`).join("\n"));
    const text = formatProblems(problems);
    assert.equal(text.split("\n").length, 1, text);
    return text;
}

/** A 1×1 grey PNG (signature, IHDR, IDAT, IEND; PNG spec §5). */
function png(): Buffer {
    const chunk = (type: string, data: Buffer) => {
        const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
        const out = Buffer.alloc(8 + data.length + 4);
        out.writeUInt32BE(data.length, 0);
        body.copy(out, 4);
        out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
        return out;
    };
    const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
    return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk("IHDR", ihdr),
        chunk("IDAT", zlib.deflateSync(Buffer.from([0, 0]))),
        chunk("IEND", Buffer.alloc(0)),
    ]);
}

const overrides = (o: unknown, system = "auromart") => ({ "tierform:system": system, "tierform:overrides": JSON.stringify(o) });
const adminRoute = (allowCidrs: string[]) => ({
    edge: {
        routes: [
            { path: "/admin", service: "admin", allowCidrs },
            { path: "/", service: "web" },
        ],
    },
});

describe("spec: values a provider validates are validated at load, with the spec path", () => {
    it("refuses an allowCidrs entry nginx, Envoy Gateway or AWS would refuse (prefix, address, host bits, no prefix)", () => {
        const cases: [string, RegExp][] = [
            ["10.20.0.0/33", /'10\.20\.0\.0\/33': the prefix length of an IPv4 range is 0-32, not 33/],
            ["not-a-cidr", /'not-a-cidr' is not a CIDR \(address\/prefix length/],
            ["300.1.1.1/8", /'300\.1\.1\.1' is not an IPv4 or IPv6 address/],
            ["10.20.0.1/16", /'10\.20\.0\.1\/16' has host bits set; the range is '10\.20\.0\.0\/16' \(or '10\.20\.0\.1\/32'/],
            ["10.0.0.1", /'10\.0\.0\.1' is an address without a prefix length; write '10\.0\.0\.1\/32'/],
            ["2001:db8::1/32", /has host bits set; the range is '2001:db8::\/32'/],
        ];
        for (const [cidr, message] of cases) {
            const line = oneLine(overrides(adminRoute([cidr])));
            assert.match(line, /^tierform:overrides edge\.routes\[0\]\.allowCidrs\[0\]: /, line);
            assert.match(line, message);
        }
        assert.match(oneLine(overrides(adminRoute([]))), /allowCidrs: .*list at least one CIDR/);
        for (const ok of ["10.0.0.0/8", "192.168.0.0/16", "203.0.113.7/32", "2001:db8::/32", "::/0", "0.0.0.0/0"])
            assert.equal(cidrProblem(ok), undefined, ok);
        // The preset's own ranges load.
        loadStack({ "tierform:system": "auromart" });
    });

    it("refuses a domain ACM and Route 53 refuse (empty label, label over 63, leading '-', upper case, over 253)", () => {
        const cases: [string, RegExp][] = [
            ["shop..example.com", /has an empty label/],
            [`${"a".repeat(64)}.example.com`, /is 64 characters; a label has at most 63/],
            ["-shop.example.com", /the label '-shop' starts or ends with '-'/],
            ["Shop.example.com", /upper-case letters; write it in lower case \('shop\.example\.com'\)/],
            [`${"abcdefghi.".repeat(26)}com`, /is 263 characters; a DNS name has at most 253/],
        ];
        for (const [domain, message] of cases) {
            const line = oneLine(overrides({ edge: { domain } }));
            assert.match(line, /^tierform:overrides edge\.domain: /);
            assert.match(line, message);
        }
        assert.equal(dnsNameProblem("tts.mdc.co.uk"), undefined);
    });

    it("refuses header values, engine parameters and writable paths that would break the rendered config", () => {
        assert.match(
            oneLine(overrides({ edge: { securityHeaders: { "X-Test": 'a"; add_header X-Evil "1' } } })),
            /edge\.securityHeaders\.X-Test: a header value may not contain double quotes/,
        );
        assert.match(
            oneLine(overrides({ databases: { db: { parameters: { "max_connections\nevil": 1 } } } })),
            /^tierform:overrides databases\.db\.parameters\["max_connections\\nevil"\]: a parameter name is letters/,
        );
        assert.match(
            oneLine(overrides({ databases: { db: { parameters: { max_connections: "100\nevil=1" } } } })),
            /databases\.db\.parameters\.max_connections: a parameter value is printable ASCII on one line/,
        );
        assert.match(
            oneLine(overrides({ services: { web: { writablePaths: ["/tmp dir"] } } })),
            /writablePaths\[0\]: must be an absolute path/,
        );
        assert.match(
            oneLine(overrides({ services: { web: { writablePaths: ["/"] } } })),
            /writablePaths\[0\]: must be an absolute path .*not '\/'/,
        );
    });

    it("refuses database names and sizes RDS or DocumentDB refuse, on every stack", () => {
        assert.match(
            oneLine(overrides({ databases: { db: { username: "auro_user_with_a_long_name" } } })),
            /databases\.db\.username: 'auro_user_with_a_long_name' is refused by RDS for MySQL \(the prod stack\): .*1-16/,
        );
        assert.match(
            oneLine(overrides({ databases: { db: { databaseName: "_auro" } } })),
            /databases\.db\.databaseName: '_auro' is refused by RDS for MySQL .*starting with a letter/,
        );
        assert.match(oneLine(overrides({ databases: { db: { storageGb: 5 } } })), /databases\.db\.storageGb: 5 is refused .*20-65536 GiB/);
    });

    it("refuses a key of a provider namespace the provider does not have, with 'did you mean'", () => {
        const line = oneLine({ "aws:regoin": "eu-west-1" });
        assert.equal(line, "aws:regoin: not a configuration key of the aws provider; did you mean 'aws:region'?");
        assert.match(oneLine({ "kubernetes:contxt": "kind" }), /did you mean 'kubernetes:context'\?/);
        assert.match(oneLine({ "docker:hots": "unix:///x" }), /did you mean 'docker:host'\?/);
        // Real keys pass; other namespaces (pulumi:, a user's own) are not ours to judge.
        loadStack({
            "aws:region": "eu-west-1",
            "aws:skipCredentialsValidation": "true",
            "kubernetes:context": "kind",
            "pulumi:tags": "{}",
        });
    });
});

describe("spec: inputs that are not a spec are refused with one line naming the file", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-inputs-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("refuses a directory, a binary file, a PNG, non-UTF-8 text, a list and an empty file", () => {
        fs.mkdirSync(path.join(tmp, "dir.yaml"));
        fs.writeFileSync(path.join(tmp, "binary.yaml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x3a, 0x0a]));
        fs.writeFileSync(path.join(tmp, "image.png"), png());
        fs.writeFileSync(path.join(tmp, "latin1.yaml"), Buffer.from("name: caf\xe9\n", "latin1"));
        fs.writeFileSync(path.join(tmp, "list.yaml"), "- name: shop\n");
        fs.writeFileSync(path.join(tmp, "empty.yaml"), "");
        const line = (file: string) => oneLine({ "tierform:system": file }, tmp);
        assert.equal(line("dir.yaml"), "dir.yaml: is a directory; give a spec file (.yaml) or a preset name");
        assert.equal(line("binary.yaml"), "binary.yaml: is a binary file (it holds NUL bytes), not a YAML spec");
        assert.equal(line("./image.png"), "./image.png: is a PNG image, not a YAML spec");
        assert.equal(line("latin1.yaml"), "latin1.yaml: is not UTF-8 text, not a YAML spec");
        assert.match(line("list.yaml"), /^list\.yaml: is not a spec: its YAML is a list, a spec is a mapping/);
        assert.match(line("empty.yaml"), /^empty\.yaml: is not a spec: its YAML is empty/);
    });

    it("refuses a YAML alias bomb with the file named, before expanding it", () => {
        const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
        for (let i = 1; i < 9; i++) {
            const prev = String.fromCharCode(96 + i);
            const name = String.fromCharCode(97 + i);
            levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
        }
        fs.writeFileSync(path.join(tmp, "bomb.yaml"), levels.join("\n") + "\n");
        const started = Date.now();
        assert.match(
            oneLine({ "tierform:system": "bomb.yaml" }, tmp),
            /^bomb\.yaml: expands its YAML aliases \(\*name\) more than 100 times/,
        );
        assert.ok(Date.now() - started < 5000, "refused without expanding 9^9 entries");
    });

    it(`refuses a spec over ${MAX_SPEC_BYTES} bytes without parsing it`, () => {
        const file = path.join(tmp, "huge.yaml");
        fs.writeFileSync(file, `name: shop\ndescription: "${"x".repeat(MAX_SPEC_BYTES)}"\n`);
        assert.match(oneLine({ "tierform:system": "huge.yaml" }, tmp), /^huge\.yaml: is 1\.0 MiB; a spec file is at most 1 MiB/);
    });
});

describe("spec: a credential in plain env is refused on every stack, naming the fix", () => {
    for (const environment of ["dev", "staging", "prod"]) {
        it(`on ${environment}: "move DB_PASSWORD to services.<name>.secrets", one line`, () => {
            const line = oneLine({
                ...overrides({ services: { web: { env: { LOG_LEVEL: "info", DB_PASSWORD: "hunter2" } } } }),
                "tierform:environment": environment,
            });
            assert.equal(
                line,
                "tierform:overrides services.web.env.DB_PASSWORD: holds a secret value in plain text; move DB_PASSWORD to services.web.secrets (a generated value, kept secret on every platform)",
            );
            assert.doesNotMatch(line, /hunter2/, "the value is never repeated");
        });
    }

    it("refuses a URL with a password and points at uses", () => {
        assert.match(
            oneLine(overrides({ services: { web: { env: { LEGACY_DB: "mysql://app:hunter2@db:3306/shop" } } } })),
            /services\.web\.env\.LEGACY_DB: carries a password inside a URL; name the datastore in services\.web\.uses/,
        );
    });
});

describe("spec: what a policy refuses on any stack is refused at load, for every stack at once", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tierform-floors-"));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const spec = (worker: string, web = "{ min: 2, max: 4 }") =>
        [
            "name: my-app",
            "edge:",
            "  routes: [{ path: /, service: api }]",
            "services:",
            "  api:",
            "    image: shop/api:1.0",
            "    port: 8000",
            `    replicas: ${web}`,
            "  worker:",
            "    kind: worker",
            "    image: shop/api:1.0",
            `    replicas: ${worker}`,
            "",
        ].join("\n");

    it("reads the floors from policies/config: mandatory on staging and prod, advisory on dev", () => {
        assert.deepEqual(strictest({ "k8s-hpa-bounds": "minReplicas", "aws-autoscaling-bounds": "minCapacity" }, true), {
            value: 2,
            stacks: ["prod-eks", "prod", "staging"],
            policies: ["k8s-hpa-bounds", "aws-autoscaling-bounds"],
        });
        assert.equal(strictest({ "min-replicas": "minReplicas" }, true)?.value, 2);
    });

    it("refuses an autoscaled worker below the autoscalers' floor on dev too, naming the spec path and the policies", () => {
        fs.writeFileSync(path.join(tmp, "worker.yaml"), spec("{ min: 1, max: 3 }"));
        for (const environment of ["dev", "staging", "prod"]) {
            const line = oneLine({ "tierform:system": "worker.yaml", "tierform:environment": environment }, tmp);
            assert.equal(
                line,
                "worker.yaml:12 services.worker.replicas.min: 1 is below 2, the least an autoscaled service (max > min) keeps on prod-eks, prod, staging (policies k8s-hpa-bounds, aws-autoscaling-bounds); raise min to 2, or set max to min for a fixed count",
            );
        }
        // A fixed count of one is no autoscaler: it plans everywhere.
        fs.writeFileSync(path.join(tmp, "fixed.yaml"), spec("{ min: 1, max: 1 }"));
        loadStack({ "tierform:system": "fixed.yaml", "tierform:environment": "prod" }, tmp);
    });

    it("refuses a web service below min-replicas and a range wider than maxRatio", () => {
        fs.writeFileSync(path.join(tmp, "web.yaml"), spec("{ min: 1, max: 1 }", "{ min: 1, max: 1 }"));
        assert.match(
            oneLine({ "tierform:system": "web.yaml" }, tmp),
            /services\.api\.replicas\.min: 1 is below 2, the least a web service .* \(policy min-replicas\)/,
        );
        fs.writeFileSync(path.join(tmp, "wide.yaml"), spec("{ min: 2, max: 30 }"));
        assert.match(
            oneLine({ "tierform:system": "wide.yaml" }, tmp),
            /services\.worker\.replicas\.max: 30 is more than 10× min 2, .*lower max to 20/,
        );
    });

    it("leaves a stack's own overrides to that stack (dev may run one replica)", () => {
        fs.writeFileSync(path.join(tmp, "ok.yaml"), spec("{ min: 2, max: 4 }"));
        loadStack(
            {
                "tierform:system": "ok.yaml",
                "tierform:overrides": JSON.stringify({ services: { worker: { replicas: { min: 1, max: 3 } } } }),
            },
            tmp,
        );
        assert.deepEqual(policyFloorProblems({ services: { w: { kind: "scheduler", replicas: { min: 1, max: 1 } } } }), []);
    });
});
