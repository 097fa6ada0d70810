/**
 * The client side of the real-nginx tests (edge-upstreams, edge-traffic, edge-watcher): one GET
 * on a new connection, its answer or its failure as a value, so a test can count both.
 */
import * as http from "http";

/** What one GET got: the status (0: no answer, the error in `body`), the trimmed body, and how long it took. */
export interface Answer {
    status: number;
    body: string;
    ms: number;
}

/** GET `urlPath` from 127.0.0.1:`port` on its own connection (`Connection: close`), with `host` as Host; gives up after `timeoutMs`. */
export function httpGet(port: number, urlPath: string, opts: { host?: string; timeoutMs?: number } = {}): Promise<Answer> {
    const start = Date.now();
    return new Promise((resolve) => {
        const req = http.get(
            {
                host: "127.0.0.1",
                port,
                path: urlPath,
                agent: false,
                timeout: opts.timeoutMs ?? 5000,
                ...(opts.host ? { headers: { Host: opts.host } } : {}),
            },
            (res) => {
                let body = "";
                res.on("data", (c) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim(), ms: Date.now() - start }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", (e) => resolve({ status: 0, body: e.message, ms: Date.now() - start }));
    });
}
