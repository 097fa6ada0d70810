/**
 * Real tools (nginx, promtool, shellcheck, postgres, mariadb) in tests: outside CI a missing
 * binary skips the test with a message saying what to install; in CI (CI=true) it fails.
 */
import { execFileSync } from "child_process";

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
