/**
 * A small client of the Docker Engine API over /var/run/docker.sock (plain Node http, API 1.41,
 * the version of Debian's docker.io 20.10), and a tar writer for image imports and uploads.
 * Only what the dev-stack test needs.
 */
import * as http from "http";

/** The daemon's socket. */
export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
const API = "/v1.41";

/** An answer of the Engine API. */
export interface ApiResponse {
    status: number;
    body: Buffer;
    /** The body parsed as JSON, when it is. */
    json: any;
}

/** One call to the Engine API; never throws on an HTTP error status (callers check `status`). */
export function api(
    method: string,
    path: string,
    body?: unknown,
    opts: { contentType?: string; timeoutMs?: number } = {},
): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
        const req = http.request(
            {
                socketPath: DOCKER_SOCKET,
                method,
                path: `${API}${path}`,
                headers: payload ? { "Content-Type": opts.contentType ?? "application/json", "Content-Length": payload.length } : {},
                timeout: opts.timeoutMs ?? 120_000,
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (c) => chunks.push(c));
                res.on("end", () => {
                    const buf = Buffer.concat(chunks);
                    let json: any;
                    try {
                        json = JSON.parse(buf.toString("utf8"));
                    } catch {
                        json = undefined;
                    }
                    resolve({ status: res.statusCode ?? 0, body: buf, json });
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

/** `api`, failing unless the status is 2xx (or one of `accept`), with the daemon's message. */
export async function apiOk(
    method: string,
    path: string,
    body?: unknown,
    opts: { contentType?: string; accept?: number[]; timeoutMs?: number } = {},
): Promise<ApiResponse> {
    const r = await api(method, path, body, opts);
    if ((r.status < 200 || r.status >= 300) && !(opts.accept ?? []).includes(r.status)) {
        throw new Error(`${method} ${path}: HTTP ${r.status} ${r.json?.message ?? r.body.toString("utf8").slice(0, 300)}`);
    }
    return r;
}

/** Whether a daemon answers on the socket. */
export async function daemonAnswers(): Promise<boolean> {
    try {
        return (await api("GET", "/_ping", undefined, { timeoutMs: 3000 })).status === 200;
    } catch {
        return false;
    }
}

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

/** The text of a multiplexed stdout/stderr stream (8-byte frame headers). */
export function demux(buf: Buffer): string {
    const out: string[] = [];
    let i = 0;
    while (i + 8 <= buf.length) {
        const len = buf.readUInt32BE(i + 4);
        out.push(buf.subarray(i + 8, i + 8 + len).toString("utf8"));
        i += 8 + len;
    }
    return out.join("");
}
