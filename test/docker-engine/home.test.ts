/**
 * A writable HOME on a real Docker daemon (issue 20 item 4): a stand-in image (Debian's static
 * busybox, nothing else, no /etc/passwd) runs with exactly what the dev plan gives mdc-tts's
 * backend container — its uid, read-only root, capabilities, tmpfs mounts and variables — and
 * writes to $HOME, $TMPDIR, $XDG_CACHE_HOME and $PYTHONPYCACHEPREFIX. The same run without the
 * plan's tmpfs (or without HOME) must fail, so the check can fail. Everything is named tft-home-<run>-*.
 */
import * as assert from "node:assert/strict";
import { api, apiOk } from "./api";
import { importBusyboxImage, requireDaemon } from "./stand-ins";
import { planStack } from "../harness";

/** This run's own names: two test runs on one daemon never meet. */
const RUN = `tft-home-${process.pid.toString(36)}-`;
const IMAGE = `${RUN}standin:1`;
const WRITE = 'touch "$HOME/x" && mkdir -p "$XDG_CACHE_HOME/y" "$PYTHONPYCACHEPREFIX/z" && touch "$TMPDIR/t"';

/** Run `cmd` as the planned container would run, minus what `drop` removes; the exit code. */
async function run(name: string, planned: any, drop: { tmpfs?: boolean; home?: boolean } = {}): Promise<number> {
    await api("DELETE", `/containers/${name}?force=1`);
    const env = (planned.envs as string[]).filter((e) => !(drop.home && /^(HOME|TMPDIR|XDG_CACHE_HOME|PYTHONPYCACHEPREFIX)=/.test(e)));
    await apiOk("POST", `/containers/create?name=${name}`, {
        Image: IMAGE,
        Entrypoint: ["/bin/busybox", "sh", "-c", WRITE],
        User: planned.user,
        Env: env,
        HostConfig: {
            ReadonlyRootfs: planned.readOnly,
            CapDrop: planned.capabilities.drops,
            SecurityOpt: planned.securityOpts,
            ...(drop.tmpfs ? {} : { Tmpfs: planned.tmpfs }),
        },
    });
    try {
        await apiOk("POST", `/containers/${name}/start`);
        const waited = await apiOk("POST", `/containers/${name}/wait`, undefined, { timeoutMs: 60_000 });
        return waited.json.StatusCode;
    } finally {
        await api("DELETE", `/containers/${name}?force=1`);
    }
}

describe("a writable HOME on a real Docker daemon (issue 20 item 4)", function () {
    this.timeout(180_000);

    before(async function () {
        await requireDaemon(this);
        await importBusyboxImage(`${RUN}standin`, "1");
    });

    after(async () => {
        await api("DELETE", `/images/${IMAGE}?force=1`);
    });

    it("the dev plan's backend container (uid 10001, no passwd entry, read-only root) writes its HOME and caches; without the tmpfs or HOME it cannot", async () => {
        const plan = await planStack({ stack: "dev", system: "mdc-tts" });
        const planned = plan.ofType("docker:index/container:Container").find((c) => {
            const labels = c.inputs.labels ?? [];
            return (
                labels.some((l: any) => l.label === "tierform.service" && l.value === "backend") &&
                labels.some((l: any) => l.label === "tierform.replica")
            );
        })!.inputs;
        assert.equal(planned.readOnly, true);
        assert.match(planned.user, /^10001:/);
        assert.equal(await run(`${RUN}planned`, planned), 0, "as planned: HOME and the caches are writable");
        assert.notEqual(await run(`${RUN}no-tmpfs`, planned, { tmpfs: true }), 0, "without the tmpfs the read-only root refuses");
        assert.notEqual(await run(`${RUN}no-home`, planned, { home: true }), 0, "without HOME (= /) the write fails");
    });
});
