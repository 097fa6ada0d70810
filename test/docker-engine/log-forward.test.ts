/**
 * The dev observability profile's log path on a real Docker daemon (issue 23): a container run
 * with exactly the log driver, options and labels the dev plan gives a service's replica (with
 * `tierform:observability`) sends its output to the collector's Fluent Forward port, where a
 * listener decodes it with Debian's msgpack (python3-msgpack) — the real daemon on one side, a
 * real Forward decoder on the other. The OpenTelemetry Collector itself cannot be pulled here:
 * what it does with a record (each key but `log` an attribute) is read from its source, cited in
 * components/docker/observability.ts.
 *
 * Shown: the line arrives with the container's tierform labels and no other; `docker logs` still
 * has it (dual logging); and with nothing listening, the container still starts and exits 0
 * (`fluentd-async`), so a stopped collector never stops the system. Everything is named tft-logs-<run>-*.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import * as net from "node:net";
import { api, apiOk, demux } from "./api";
import { importBusyboxImage, requireDaemon } from "./stand-ins";
import { planStack } from "../harness";

const RUN = `tft-logs-${process.pid.toString(36)}-`;
const IMAGE = `${RUN}standin:1`;

/** Decodes Fluent Forward messages (Message, Forward and PackedForward modes) and prints each record as one JSON line. */
const LISTENER = `
import json, socket, sys, msgpack
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1]))); srv.listen(8)
print("ready", flush=True)
def emit(tag, rec):
    print(json.dumps({"tag": tag, "record": {k if isinstance(k, str) else k.decode(): (v.decode() if isinstance(v, bytes) else v) for k, v in rec.items()}}), flush=True)
while True:
    conn, _ = srv.accept()
    up = msgpack.Unpacker(raw=False, strict_map_key=False, ext_hook=lambda code, data: None)
    while True:
        data = conn.recv(65536)
        if not data: break
        up.feed(data)
        for msg in up:
            tag, second = msg[0], msg[1]
            if isinstance(second, list):
                for entry in second: emit(tag, entry[1])
            elif isinstance(second, (bytes, bytearray)):
                inner = msgpack.Unpacker(raw=False, strict_map_key=False, ext_hook=lambda code, data: None); inner.feed(second)
                for entry in inner: emit(tag, entry[1])
            else:
                emit(tag, msg[2])
`;

/** The planned inputs of service `name`'s first replica (not its migration step). */
function replicaOf(plan: Awaited<ReturnType<typeof planStack>>, name: string): any {
    const labelled = (c: { inputs: any }, key: string, value?: string) =>
        (c.inputs.labels ?? []).some((l: any) => l.label === key && (value === undefined || l.value === value));
    return plan
        .ofType("docker:index/container:Container")
        .find((c) => labelled(c, "tierform.service", name) && labelled(c, "tierform.replica"))!.inputs;
}

/** A free loopback TCP port. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
    });
}

/** Run a container with the planned logging and labels, printing `line`; its id once it exited (exit code asserted 0). */
async function runLogged(name: string, planned: any, logOpts: Record<string, string>, line: string): Promise<string> {
    await api("DELETE", `/containers/${name}?force=1`);
    const labels = Object.fromEntries((planned.labels as { label: string; value: string }[]).map((l) => [l.label, String(l.value)]));
    const created = await apiOk("POST", `/containers/create?name=${name}`, {
        Image: IMAGE,
        Entrypoint: ["/bin/busybox", "echo", line],
        Labels: { ...labels, "not.logged": "x" },
        HostConfig: { LogConfig: { Type: planned.logDriver, Config: logOpts } },
    });
    await apiOk("POST", `/containers/${name}/start`);
    const waited = await apiOk("POST", `/containers/${name}/wait`, undefined, { timeoutMs: 60_000 });
    assert.equal(waited.json.StatusCode, 0, `${name} exited ${waited.json.StatusCode}`);
    return created.json.Id;
}

describe("the dev observability profile's log path on a real Docker daemon (issue 23)", function () {
    this.timeout(180_000);
    let listener: ChildProcess | undefined;
    const received: any[] = [];

    before(async function () {
        await requireDaemon(this);
        await importBusyboxImage(`${RUN}standin`, "1");
    });

    after(async () => {
        listener?.kill();
        await api("DELETE", `/containers/${RUN}sent?force=1`);
        await api("DELETE", `/containers/${RUN}nobody?force=1`);
        await api("DELETE", `/images/${IMAGE}?force=1`);
    });

    it("a service replica's line reaches the Forward port with its tierform labels, and `docker logs` still has it", async () => {
        const plan = await planStack({ stack: "dev", system: "mdc-tts", config: { "tierform:observability": "true" } });
        const planned = replicaOf(plan, "backend");
        assert.equal(planned.logDriver, "fluentd");
        const plannedPort = Number(/:(\d+)$/.exec(planned.logOpts["fluentd-address"])![1]);
        assert.equal(plannedPort, 24224, "the default tierform:logForwardPort");
        // The same options on a free port: the daemon validates them when it creates the container.
        const port = await freePort();
        const logOpts = { ...planned.logOpts, "fluentd-address": `tcp://127.0.0.1:${port}` };
        listener = spawn("/usr/bin/python3", ["-c", LISTENER, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
        let errors = "";
        listener.stderr!.on("data", (d) => (errors += String(d)));
        await new Promise<void>((resolve, reject) => {
            let buffered = "";
            listener!.stdout!.on("data", (d) => {
                buffered += String(d);
                const lines = buffered.split("\n");
                buffered = lines.pop()!;
                for (const l of lines) {
                    if (l === "ready") resolve();
                    else if (l) received.push(JSON.parse(l));
                }
            });
            listener!.once("exit", (code) => reject(new Error(`listener exited ${code}: ${errors}`)));
        });
        const line = `tierform log line ${RUN}`;
        const id = await runLogged(`${RUN}sent`, planned, logOpts, line);
        for (let i = 0; i < 100 && !received.some((r) => r.record.log === line); i++) await new Promise((r) => setTimeout(r, 100));
        const got = received.find((r) => r.record.log === line);
        assert.ok(got, `no record with the line arrived (got ${JSON.stringify(received)}; listener: ${errors})`);
        assert.equal(got.record["tierform.service"], "backend");
        assert.equal(got.record["tierform.system"], "mdc-tts");
        assert.equal(got.record["tierform.tier"], "service");
        assert.equal(got.record["not.logged"], undefined, "a label not listed in the `labels` option stays out");
        assert.equal(got.tag, `${RUN}sent`, "tag {{.Name}}");
        const logs = await apiOk("GET", `/containers/${id}/logs?stdout=1&stderr=1`);
        assert.match(demux(logs.body), new RegExp(line), "dual logging: docker logs still reads the line");
    });

    it("with nothing listening on the Forward port, the container still starts and exits 0 (fluentd-async)", async () => {
        const plan = await planStack({ stack: "dev", system: "mdc-tts", config: { "tierform:observability": "true" } });
        const planned = replicaOf(plan, "backend");
        const port = await freePort();
        await runLogged(`${RUN}nobody`, planned, { ...planned.logOpts, "fluentd-address": `tcp://127.0.0.1:${port}` }, "unheard");
    });
});
