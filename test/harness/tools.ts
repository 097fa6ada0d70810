/**
 * Real tools (nginx, promtool, shellcheck, postgres, mariadb) in tests: outside CI a missing
 * binary skips the test with a message saying what to install; in CI (CI=true) it fails.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * Where each lookup was answered in this process, by binary, directories and PATH: a worker asks
 * for the same tools hundreds of times (test/shared/backup-script.test.ts links 21 into each of
 * its sandboxes), and each answer is a `sh` started from a worker's large heap.
 */
const found = new Map<string, string | undefined>();

/** Absolute path of `binary` on PATH (or in `extraDirs`), or undefined. */
export function findTool(binary: string, extraDirs: string[] = []): string | undefined {
    const key = JSON.stringify([binary, extraDirs, process.env.PATH]);
    if (!found.has(key)) found.set(key, lookUp(binary, extraDirs));
    return found.get(key);
}

function lookUp(binary: string, extraDirs: string[]): string | undefined {
    for (const dir of extraDirs) {
        try {
            execFileSync("test", ["-x", `${dir}/${binary}`]);
            return `${dir}/${binary}`;
        } catch {
            /* not there */
        }
    }
    try {
        return execFileSync("sh", ["-c", `command -v ${binary}`], { encoding: "utf8" }).trim() || undefined;
    } catch {
        return undefined;
    }
}

/** The tool's path; skips the calling test outside CI when it is missing, fails inside CI. */
export function requireTool(ctx: Mocha.Context, binary: string, debianPackage: string, extraDirs: string[] = []): string {
    const found = findTool(binary, extraDirs);
    if (found) return found;
    const message = `${binary} is not installed (Debian package '${debianPackage}'; .ci/run installs it)`;
    if (process.env.CI === "true") throw new Error(`${message}: CI must have it`);
    console.warn(`      skipped: ${message}`);
    ctx.skip();
    throw new Error("unreachable");
}

/** What a tool said: whether it exited 0, and its stdout (with its stderr when it failed). */
export interface ToolResult {
    ok: boolean;
    output: string;
}

/**
 * Where a tool's passes are kept between runs of the suite, as the linters keep theirs
 * (node_modules/.cache/tierform/): a fresh checkout (CI) has none, and TIERFORM_TOOL_PASSES=0
 * turns them off.
 */
const PASSES_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "tierform", "tool-passes");

/** Each tool's identity, by the path it was asked by, in this process. */
const identities = new Map<string, string>();

/** The tool as a key: its real path, size and modification time (an upgraded package checks afresh). */
function toolIdentity(bin: string): string {
    let identity = identities.get(bin);
    if (identity === undefined) {
        const real = fs.realpathSync(bin);
        const stat = fs.statSync(real);
        identities.set(bin, (identity = `${real}:${stat.size}:${stat.mtimeMs}`));
    }
    return identity;
}

/**
 * The key of a pass: the tool, its arguments, and the bytes it can read — the `inputs` given
 * (a shell script's text) and every regular file in the directory of each file argument (a
 * promtool test file and the rule files it names beside it). A file argument's directory is a
 * fresh temporary one at each run: it is keyed as `<dir>`, in the arguments and in the files.
 */
export function passKey(bin: string, args: string[], inputs: string[] = []): string {
    const dirs = [
        ...new Set(args.filter((a) => path.isAbsolute(a) && fs.existsSync(a) && fs.statSync(a).isFile()).map((a) => path.dirname(a))),
    ];
    const placed = (text: string) => dirs.reduce((t, dir, i) => t.split(dir).join(`<dir${i}>`), text);
    const hash = crypto.createHash("sha256").update(JSON.stringify([toolIdentity(bin), args.map(placed), inputs]));
    for (const [i, dir] of dirs.entries())
        for (const name of fs.readdirSync(dir).sort()) {
            const file = path.join(dir, name);
            if (fs.statSync(file).isFile()) hash.update(`\0<dir${i}>/${name}\0`).update(placed(fs.readFileSync(file, "utf8")));
        }
    return hash.digest("hex");
}

/** What the tool printed when it passed on the inputs of `key` before, or undefined. */
export function keptPass(key: string): string | undefined {
    if (process.env.TIERFORM_TOOL_PASSES === "0") return undefined;
    try {
        return fs.readFileSync(path.join(PASSES_DIR, key), "utf8");
    } catch {
        return undefined;
    }
}

/** Keep a pass (never a failure): the same tool on the same bytes answers the same. */
export function keepPass(key: string, output: string): void {
    if (process.env.TIERFORM_TOOL_PASSES === "0") return;
    fs.mkdirSync(PASSES_DIR, { recursive: true });
    const tmp = path.join(PASSES_DIR, `${key}.${process.pid}`);
    fs.writeFileSync(tmp, output);
    fs.renameSync(tmp, path.join(PASSES_DIR, key));
}

/**
 * Run a real tool (promtool) on files: its verdict and output, answered from a kept pass when
 * the same tool passed the same bytes before ({@link passKey}); the check that a broken input
 * fails always runs the tool, since only passes are kept.
 */
export function runTool(bin: string, args: string[]): ToolResult {
    const key = passKey(bin, args);
    const kept = keptPass(key);
    if (kept !== undefined) return { ok: true, output: kept };
    try {
        const output = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        keepPass(key, output);
        return { ok: true, output };
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
}
