/**
 * The HTTP health check run inside a service's container (Docker's HEALTHCHECK, the ECS container
 * health check), one argv per `healthTool`, in CMD form: no shell, so an image needs nothing but
 * the tool it declares (or nothing at all with `provided`). Every form sends the plan's canonical
 * Host header (Django's ALLOWED_HOSTS and similar host checks answer anything else with 400) and
 * fails on a 4xx or 5xx answer. Timeouts are the platform's: Docker and ECS stop a check that
 * outlasts its `timeout` (busybox's wget has no `-T` unless built with it).
 * The contract an image meets is in docs/image-contract.md.
 */
import type { HttpCheck } from "../../plan";

/** Where `provided` mounts the static busybox (a read-only volume the platform fills; see docs/image-contract.md). */
export const HEALTH_TOOLS_DIR = "/run/tierform-tools";
/** The provided busybox binary. */
export const PROVIDED_BUSYBOX = `${HEALTH_TOOLS_DIR}/busybox`;

/** Python's check: urlopen raises on 4xx/5xx (exit 1); argv[1] the URL, argv[2] the Host. */
const PYTHON_CHECK = `import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers={"Host": sys.argv[2]}))`;
/** Node's check through its core http module (fetch may drop a Host header); argv[1] the URL, argv[2] the Host. */
const NODE_CHECK = `require("http").get(process.argv[1], { headers: { Host: process.argv[2] } }, (r) => process.exit(r.statusCode < 400 ? 0 : 1)).on("error", () => process.exit(1))`;

/**
 * The argv of `check` for its tool, or undefined for `none` (no check inside the container).
 * The URL is `http://127.0.0.1:<port><path>`: the check runs in the container's own network namespace.
 */
export function httpCheckArgv(check: Pick<HttpCheck, "port" | "path" | "host" | "tool">): string[] | undefined {
    if (!/^\/[A-Za-z0-9._~\-/?=&%]*$/.test(check.path)) throw new Error(`health path '${check.path}' is not a plain URL path`);
    if (!/^[A-Za-z0-9.-]+$/.test(check.host)) throw new Error(`health check host '${check.host}' is not a host name`);
    const url = `http://127.0.0.1:${check.port}${check.path}`;
    const wget = ["wget", "-q", "--header", `Host: ${check.host}`, "-O", "/dev/null", url];
    switch (check.tool) {
        case "provided":
            return [PROVIDED_BUSYBOX, ...wget];
        case "wget":
            return wget;
        case "curl":
            return ["curl", "-fsS", "-H", `Host: ${check.host}`, "-o", "/dev/null", url];
        case "python3":
            return ["python3", "-c", PYTHON_CHECK, url, check.host];
        case "node":
            return ["node", "-e", NODE_CHECK, url, check.host];
        case "none":
            return undefined;
    }
}
