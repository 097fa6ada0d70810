/**
 * A small client of the Docker Engine API over /var/run/docker.sock (plain Node http, API 1.41,
 * the version of Debian's docker.io 20.10): what `npm run images -- --check` (scripts/image-check.ts)
 * and the real-daemon tests (test/docker-engine/) need, no npm dependency.
 */
import * as http from "http";

/** The daemon's socket. */
export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
const API = "/v1.41";

/** An answer of the Engine API. */
export interface ApiResponse {
    status: number;
    /** The response headers. */
    headers: http.IncomingHttpHeaders;
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
                    resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json });
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
