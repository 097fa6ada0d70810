/**
 * The picture (`npm run plan -- --diagram <file.svg> --mermaid <file.mmd>`): first against
 * synthetic runs (so the drawing is tested whatever the platforms do), then for every preset on
 * every stack.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    buildDiagram,
    diagramOfRun,
    loadGraphviz,
    matchEntity,
    renderSvg,
    textWidthEm,
    toDot,
    toMermaid,
    type Diagram,
    type DotRenderer,
} from "../../scripts/offline/diagram";
import { readStackConfig, stackNames } from "../../scripts/offline/stack-config";
import { loadStack, presetNames, type System } from "../../model";
import { planStack, stackConfig } from "../harness";
import { awsWithDr, dockerMdcTts } from "./fixtures";

const nodeNamed = (d: Diagram, name: string, cluster?: string) =>
    d.nodes.find((n) => n.name === name && (!cluster || n.cluster === cluster));
const edgeBetween = (d: Diagram, from: string, to: string, cluster?: string) => {
    const a = nodeNamed(d, from);
    const b = nodeNamed(d, to, cluster);
    return a && b ? d.edges.find((e) => e.from === a.id && e.to === b.id) : undefined;
};

/** An SVG that is XML-shaped: one root, every group closed, and the node's title and label present. */
function assertSvg(svg: string) {
    assert.match(svg, /^<\?xml[^>]*\?>/);
    assert.match(svg, /<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.trimEnd().endsWith("</svg>"), "svg is closed");
    assert.strictEqual((svg.match(/<g\b/g) ?? []).length, (svg.match(/<\/g>/g) ?? []).length, "every <g> is closed");
    assert.doesNotMatch(svg, /&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/, "no unescaped '&'");
}

/** Every service and datastore is a node; every route and `uses` is an arrow, in the SVG and the Mermaid. */
function assertCovers(d: Diagram, system: System, rawSvg: string, mermaid: string) {
    // Graphviz writes some characters of text as entities ('-' as &#45;).
    const svg = rawSvg.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
    const titles = new Set([...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]));
    for (const name of Object.keys(system.services)) {
        const n = nodeNamed(d, name, "services");
        assert.ok(n, `a node for service ${name}; nodes: ${d.nodes.map((x) => `${x.cluster}/${x.name}`).join(", ")}`);
        assert.ok(titles.has(n.id), `svg has node ${n.id}`);
        assert.ok(svg.includes(`>${name}</text>`), `svg labels ${name}`);
    }
    for (const name of [
        ...Object.keys(system.databases),
        ...Object.keys(system.caches),
        ...Object.keys(system.queues),
        ...Object.keys(system.buckets),
    ]) {
        const n = nodeNamed(d, name, "data");
        assert.ok(n, `a node for datastore ${name}; nodes: ${d.nodes.map((x) => `${x.cluster}/${x.name}`).join(", ")}`);
        assert.ok(titles.has(n.id), `svg has node ${n.id}`);
    }
    for (const [id, title] of Object.entries(d.clusters)) {
        assert.ok(titles.has(`cluster_${id}`), `svg has cluster ${id}`);
        assert.ok(svg.includes(`>${title}</text>`), `svg titles cluster ${title}`);
    }
    for (const must of ["edge", "services"]) assert.ok(must in d.clusters, `cluster ${must}`);
    for (const route of system.edge.routes) {
        const svc = nodeNamed(d, route.service, "services")!;
        const line = mermaid
            .split("\n")
            .find((l) => new RegExp(`^\\s+\\w+ ==>\\|"[^"]*${route.path.replace(/[/.]/g, "\\$&")}(\\s|")[^|]*\\| ${svc.id}$`).test(l));
        assert.ok(line, `mermaid routes ${route.path} to ${route.service}`);
        assert.ok(
            d.edges.some((e) => e.to === svc.id && e.flow === "traffic" && d.nodes.find((n) => n.id === e.from)?.cluster === "edge"),
            `the edge routes to ${route.service}`,
        );
    }
    for (const [name, svc] of Object.entries(system.services)) {
        for (const u of svc.uses) {
            const a = nodeNamed(d, name, "services")!;
            const b = nodeNamed(d, u, "data")!;
            assert.ok(
                mermaid.includes(`  ${a.id} -->|`) && new RegExp(`^  ${a.id} -->\\|[^|]*\\| ${b.id}$`, "m").test(mermaid),
                `mermaid flow ${name} → ${u}`,
            );
        }
    }
    assert.match(mermaid, /^flowchart LR\n/);
    assert.strictEqual((mermaid.match(/^\s*subgraph /gm) ?? []).length, (mermaid.match(/^\s*end$/gm) ?? []).length);
}

let graphviz: DotRenderer;
before(async () => {
    graphviz = await loadGraphviz();
});

describe("delivery: the picture from synthetic runs", () => {
    const dev = loadStack(readStackConfig("dev")).system;

    it("matches components to spec entities, the longest name winning", () => {
        assert.strictEqual(matchEntity("mdc-tts-admin-api", ["api", "admin-api"]), "admin-api");
        assert.strictEqual(matchEntity("api", ["api", "admin-api"]), "api");
        assert.strictEqual(matchEntity("mdc-tts-rapid", ["api"]), undefined);
    });

    it("draws the docker stack: tiers, routes, uses, backup and monitoring arrows", () => {
        const d = buildDiagram(dockerMdcTts(), dev, { stack: "dev", platform: "docker" });
        const svg = renderSvg(d, graphviz);
        assertSvg(svg);
        assertCovers(d, dev, svg, toMermaid(d));
        assert.deepStrictEqual(Object.keys(d.clusters), ["edge", "services", "data", "backups", "monitoring", "network"]);
        // The shared docker network carries the network tier label and sits in that cluster.
        assert.deepStrictEqual(nodeNamed(d, "network (shared)")?.resources, ["1 × Network"]);
        assert.deepStrictEqual(nodeNamed(d, "backend")?.resources, ["2 × Container"]);
        assert.deepStrictEqual(nodeNamed(d, "db")?.resources, ["1 × Container", "1 × Volume"], "helpers (the password) are left out");
        // One Bucket component (MinIO) serves the three buckets: each is a node drawn inside it.
        const objects = nodeNamed(d, "objects", "data")!;
        assert.deepStrictEqual(objects.resources, ["2 × Container"]);
        assert.deepStrictEqual(
            d.nodes.filter((n) => n.within === objects.id).map((n) => n.name),
            ["media", "static", "backups"],
        );
        assert.match(toDot(d), new RegExp(`subgraph cluster_${objects.id} \\{\\n[^}]*data_media \\[`));
        assert.strictEqual(edgeBetween(d, "Internet", "edge")?.label, "HTTPS");
        assert.strictEqual(edgeBetween(d, "edge", "backend")?.label, "/api /static /media");
        assert.strictEqual(edgeBetween(d, "edge", "backend")?.source, "graph+spec");
        assert.strictEqual(edgeBetween(d, "backend", "db")?.source, "graph+spec");
        assert.strictEqual(edgeBetween(d, "backend", "static")?.source, "graph+spec", "backend depends on the MinIO that hosts static");
        assert.strictEqual(
            edgeBetween(d, "worker", "media")?.source,
            "spec",
            "the spec says worker uses media; no URN dependency shows it",
        );
        assert.strictEqual(edgeBetween(d, "db-backup", "media"), undefined, "the backup writes to the backups bucket only");
        assert.strictEqual(edgeBetween(d, "frontend", "db"), undefined, "frontend uses nothing");
        assert.strictEqual(edgeBetween(d, "db-backup", "db")?.flow, "backup");
        assert.strictEqual(edgeBetween(d, "db-backup", "backups")?.label, "stores");
        assert.strictEqual(edgeBetween(d, "monitoring", "backend")?.flow, "observe");
        assert.strictEqual(d.edges.filter((e) => e.from === "internet").length, 1, "one public entry");
    });

    it("draws disaster-recovery copies in their own cluster with replication arrows", () => {
        const prod = loadStack(readStackConfig("prod")).system;
        const d = buildDiagram(awsWithDr(), prod, { stack: "prod", platform: "aws", region: "us-east-1" });
        assert.strictEqual(d.clusters.dr, "Disaster recovery (us-west-2)");
        assert.deepStrictEqual(nodeNamed(d, "db")?.resources, ["1 × rds Instance"]);
        assert.deepStrictEqual(nodeNamed(d, "db copy")?.resources, ["1 × rds Instance"]);
        assert.strictEqual(edgeBetween(d, "db", "db copy")?.label, "cross-region replica");
        assert.strictEqual(edgeBetween(d, "backup", "backup copy")?.label, "cross-region copy");
        assert.strictEqual(edgeBetween(d, "backup", "db")?.source, "graph");
        assert.deepStrictEqual(nodeNamed(d, "edge")?.resources, ["1 × cloudfront Distribution", "1 × wafv2 WebAcl", "1 × lb LoadBalancer"]);
        assert.strictEqual(edgeBetween(d, "edge", "backend")?.source, "spec");
        assert.strictEqual(nodeNamed(d, "monitoring (shared)")?.cluster, "monitoring");
        assert.deepStrictEqual(nodeNamed(d, "platform")?.resources, ["1 × kms Key"]);
        const svg = renderSvg(d, graphviz);
        assertSvg(svg);
        assert.ok(svg.includes(">Disaster recovery (us&#45;west&#45;2)</text>"));
    });

    it("escapes quotes and backslashes in DOT and Mermaid labels", () => {
        const d: Diagram = {
            title: 'a "quoted" \\ title',
            clusters: { services: "Services" },
            nodes: [{ id: "services_x", cluster: "services", name: 'x"y', kind: "Service", resources: [] }],
            edges: [],
        };
        const dot = toDot(d);
        assert.ok(dot.includes('label="a \\"quoted\\" \\\\ title"'));
        assertSvg(renderSvg(d, graphviz));
        assert.ok(toMermaid(d).includes('services_x["x#quot;y<br/>Service"]'));
    });
});

/**
 * The picture draws only what is there: every arrow joins drawn nodes, no box is a lone helper
 * (a generated password), a database's replicas are those the platform runs, and every box is
 * wide enough for its labels in the widest font a viewer may substitute for Helvetica.
 */
function assertHonest(d: Diagram, system: System, platform: string, dot: string) {
    const ids = new Set(d.nodes.map((n) => n.id));
    for (const m of dot.matchAll(/^\s+(\w+) -> (\w+) /gm))
        for (const id of [m[1], m[2]]) assert.ok(ids.has(id), `an arrow to undefined node ${id}`);
    assert.doesNotMatch(dot, /× (RandomPassword|RandomString|PrivateKey|RemoteImage)/, "no box of helpers");
    for (const [name, db] of Object.entries(system.databases)) {
        const node = d.nodes.find((n) => n.cluster === "data" && n.name === name);
        if (!node?.detail) continue;
        if (platform === "docker") assert.doesNotMatch(node.detail, /replica/, `${name}: Docker runs no read replicas (${node.detail})`);
        else if (/replica/.test(node.detail) && db.readReplicas) assert.match(node.detail, new RegExp(`\\+ ${db.readReplicas} replica`));
    }
    const sized = [...dot.matchAll(/^\s+\w+ \[label="((?:[^"\\]|\\.)*)".*?width=([\d.]+)/gm)];
    assert.strictEqual(sized.length, d.nodes.length, "every box is sized for its labels");
    for (const m of sized) {
        const lines = m[1].split(/\n|\\n/).map((l) => l.replace(/\\(.)/g, "$1"));
        const needed = (Math.max(...lines.map(textWidthEm)) * 10) / 72;
        assert.ok(Number(m[2]) >= needed, `box '${lines[0]}' is ${m[2]} in wide, its widest label needs ${needed.toFixed(2)} in`);
    }
}

describe("delivery: labels are measured in the widest fallback font", () => {
    it("gives a wide label a wide box, wider than Helvetica's metrics alone would", () => {
        assert.ok(textWidthEm("WWWW") > textWidthEm("iiii") * 2);
        // Helvetica averages ~0.55 em for lower case; the bound is above it.
        assert.ok(textWidthEm("replicas") / 8 >= 0.55);
    });
});

describe("delivery: the picture of every preset on every stack", () => {
    for (const stack of stackNames()) {
        const platform = readStackConfig(stack)["tierform:platform"];
        for (const preset of presetNames()) {
            it(`${preset} on ${stack} (${platform})`, async function () {
                const plan = await planStack({ stack, system: preset });
                const config = stackConfig({ stack, system: preset });
                const { system } = loadStack(config);
                const d = buildDiagram(plan.run, system, { stack, platform, region: config["aws:region"] });
                const svg = renderSvg(d, graphviz);
                assertSvg(svg);
                assertCovers(d, system, svg, toMermaid(d));
                assertHonest(d, system, platform, toDot(d));
            });
        }
    }
});

describe("delivery: the committed pictures (docs/diagrams/) are a fresh plan's", () => {
    // The README shows these; regenerate with
    // `npm run plan -- --stack <stack> --system mdc-tts --diagram docs/diagrams/mdc-tts-<stack>.svg --mermaid docs/diagrams/mdc-tts-<stack>.mmd`.
    const dir = path.join(__dirname, "..", "..", "docs", "diagrams");
    const committed = fs.readdirSync(dir).filter((f) => /\.(svg|mmd)$/.test(f));
    it("holds a picture of mdc-tts on every stack, and nothing else", () => {
        assert.deepStrictEqual(
            committed.sort(),
            stackNames()
                .flatMap((s) => [`mdc-tts-${s}.mmd`, `mdc-tts-${s}.svg`])
                .sort(),
        );
    });
    for (const stack of stackNames())
        it(`mdc-tts on ${stack}: the committed Mermaid and SVG equal the plan's`, async function () {
            const plan = await planStack({ stack, system: "mdc-tts" });
            const d = diagramOfRun(plan.run, stackConfig({ stack, system: "mdc-tts" }), stack);
            const regenerate = `regenerate docs/diagrams/mdc-tts-${stack}.* with npm run plan -- --stack ${stack} --system mdc-tts --diagram … --mermaid …`;
            assert.strictEqual(fs.readFileSync(path.join(dir, `mdc-tts-${stack}.mmd`), "utf8"), toMermaid(d), regenerate);
            assert.strictEqual(fs.readFileSync(path.join(dir, `mdc-tts-${stack}.svg`), "utf8"), renderSvg(d, graphviz), regenerate);
        });
});
