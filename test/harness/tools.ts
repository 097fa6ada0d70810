/**
 * Real tools (nginx, promtool, shellcheck, postgres, mariadb) in tests: outside CI a missing
 * binary skips the test with a message saying what to install; in CI (CI=true) it fails.
 */
import { execFileSync } from "child_process";

/** Absolute path of `binary` on PATH (or in `extraDirs`), or undefined. */
export function findTool(binary: string, extraDirs: string[] = []): string | undefined {
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
