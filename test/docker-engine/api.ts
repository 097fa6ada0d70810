/**
 * The real-daemon tests' Docker helpers: the Engine API client (scripts/docker-api.ts, shared with
 * `npm run images -- --check`), a tar writer for image imports and uploads, and `exec`.
 */
import { apiOk, demux } from "../../scripts/docker-api";

export { api, apiOk, daemonAnswers, demux, DOCKER_SOCKET, type ApiResponse } from "../../scripts/docker-api";

/** One entry of a tar archive. */
export interface TarEntry {
    /** Path inside the archive, without a leading '/' for image roots (the provider's uploads keep it). */
    name: string;
    type: "file" | "dir" | "symlink";
    /** File content. */
    content?: Buffer | string;
    /** Symlink target. */
    target?: string;
    /** Octal mode. @default 0o644 files, 0o755 dirs */
    mode?: number;
    uid?: number;
    gid?: number;
}

function octal(n: number, width: number): string {
    return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** A POSIX ustar archive of `entries` (names up to 255 characters, split into prefix and name). */
export function tar(entries: TarEntry[]): Buffer {
    const blocks: Buffer[] = [];
    for (const e of entries) {
        const content = e.type === "file" ? Buffer.from(e.content ?? "") : Buffer.alloc(0);
        const h = Buffer.alloc(512, 0);
        let name = e.name + (e.type === "dir" && !e.name.endsWith("/") ? "/" : "");
        let prefix = "";
        if (Buffer.byteLength(name) > 100) {
            const cut = name.lastIndexOf("/", name.length - 2);
            prefix = name.slice(0, cut);
            name = name.slice(cut + 1);
        }
        h.write(name, 0, 100, "utf8");
        h.write(octal(e.mode ?? (e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644), 8), 100, "ascii");
        h.write(octal(e.uid ?? 0, 8), 108, "ascii");
        h.write(octal(e.gid ?? 0, 8), 116, "ascii");
        h.write(octal(content.length, 12), 124, "ascii");
        h.write(octal(Math.floor(Date.now() / 1000), 12), 136, "ascii");
        h.write("        ", 148, "ascii");
        h.write(e.type === "file" ? "0" : e.type === "dir" ? "5" : "2", 156, "ascii");
        if (e.target) h.write(e.target, 157, 100, "utf8");
        h.write("ustar\0", 257, "ascii");
        h.write("00", 263, "ascii");
        h.write(prefix, 345, 155, "utf8");
        let sum = 0;
        for (const b of h) sum += b;
        h.write(octal(sum, 7) + " ", 148, "ascii");
        blocks.push(h, content, Buffer.alloc((512 - (content.length % 512)) % 512, 0));
    }
    blocks.push(Buffer.alloc(1024, 0));
    return Buffer.concat(blocks);
}

/** Run `cmd` in a running container as `user`; its exit code and output. */
export async function exec(containerId: string, cmd: string[], user?: string): Promise<{ exitCode: number; output: string }> {
    const created = await apiOk("POST", `/containers/${containerId}/exec`, {
        Cmd: cmd,
        User: user ?? "",
        AttachStdout: true,
        AttachStderr: true,
    });
    const started = await apiOk("POST", `/exec/${created.json.Id}/start`, { Detach: false, Tty: false });
    const info = await apiOk("GET", `/exec/${created.json.Id}/json`);
    return { exitCode: info.json.ExitCode, output: demux(started.body) };
}
