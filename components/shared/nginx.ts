/**
 * Renders the edge's nginx.conf from platform-neutral options. Pure: no Pulumi, no I/O, so the
 * Docker edge, a Kubernetes nginx Deployment and the tests (which run the real `nginx -t` on the
 * result) all use the same function with different paths and addresses.
 *
 * What every rendering has: `server_tokens off`, TLS 1.2+ only, HTTP → HTTPS redirect (when TLS is
 * on), the security headers and HSTS on every response (`always`), a per-client-IP rate limit,
 * `client_max_body_size`, one upstream per routed service listing every replica, the X-Forwarded-*
 * proxy headers, allow/deny lists per route, and only paths a non-root nginx can write (pid and
 * temp files under /tmp by default, listening on unprivileged ports).
 */

/** One upstream: a service and the `host:port` of each of its replicas. */
export interface NginxUpstream {
    /** Upstream name (a service name); letters, digits, '-' and '_'. */
    name: string;
    /** `host:port` of every replica, e.g. `["shop-web-0:8000", "shop-web-1:8000"]`. */
    servers: string[];
    /** The service's traffic policy in every location that proxies to it. @default nginx's own (read timeout 60 s, retries on `error timeout`, no limits) */
    traffic?: NginxTraffic;
    /**
     * A weighted canary (with a resolver only): this share of requests, in percent (0 < p < 100), goes
     * to `servers[0]` and the rest to `server`, split per request by `split_clients` on `$request_id`
     * (nginx docs, ngx_http_split_clients_module), so one client's requests may land on either.
     * @default none: every request to `servers`
     */
    canary?: { percent: number; server: string };
}

/**
 * A service's traffic policy as nginx directives (the Docker adapter maps the plan to them,
 * components/docker/traffic.ts). nginx docs, ngx_http_proxy_module: `proxy_read_timeout` "is set
 * only between two successive read operations", `proxy_next_upstream_timeout` "limits the time
 * during which a request can be passed to the next server", `proxy_next_upstream_tries` counts the
 * first try; ngx_http_limit_conn_module: "In HTTP/2 and HTTP/3, each concurrent request is
 * considered a separate connection", refused with 503 (`limit_conn_status`).
 */
export interface NginxTraffic {
    /** `proxy_read_timeout` and `proxy_next_upstream_timeout`, seconds. */
    timeoutSeconds: number;
    /** `proxy_next_upstream` conditions (`error`, `http_502`, ...); empty: `off` (no retries). */
    nextUpstream: string[];
    /** `proxy_next_upstream_tries`: tries in all, the first included. */
    tries: number;
    /** `limit_conn` on a zone of its own: requests in flight to the service at once. */
    maxConcurrent: number;
    /** `limit_req` on a zone of its own per client address, requests per minute. @default none */
    ratePerMinute?: number;
}

/** The `proxy_next_upstream` conditions nginx accepts (ngx_http_proxy_module). */
const NEXT_UPSTREAM = /^(error|timeout|invalid_header|http_(500|502|503|504|403|404|429)|non_idempotent)$/;

/** One route: a path prefix proxied to an upstream. */
export interface NginxRoute {
    /** Path prefix, e.g. `/api` or `/`. `/api` matches `/api` and `/api/...`, not `/apix`. */
    path: string;
    /** Name of the upstream the route proxies to. */
    upstream: string;
    /** Only these CIDRs may use the route (everyone else gets 403). @default everyone */
    allowCidrs?: string[];
}

/** Everything the edge's nginx.conf depends on. */
export interface NginxConfOptions {
    /** `server_name`: the public DNS name, or `localhost`. */
    serverName: string;
    /** Port nginx listens on for plain HTTP inside its container/pod. @default 8080 */
    httpPort?: number;
    /** Port nginx listens on for HTTPS. @default 8443 */
    httpsPort?: number;
    /**
     * TLS certificate and key files. Without it the edge serves the routes on plain HTTP only
     * (for a spec with `edge.tls: false`, or a platform that terminates TLS in front of nginx).
     */
    tls?: { certificatePath: string; keyPath: string };
    /** HTTPS port clients see, used in the redirect (`https://host:<port>/...`); 443 is left out of the URL. @default httpsPort */
    publicHttpsPort?: number;
    /** Headers added to every response, e.g. X-Frame-Options. @default none */
    securityHeaders?: Record<string, string>;
    /** HSTS max-age in seconds; 0 leaves the header out. Sent over HTTPS only. @default 31536000 */
    hstsMaxAgeSeconds?: number;
    /** Requests per minute per client IP. */
    rateLimitPerMinute: number;
    /** Requests allowed above the rate before 429s. @default max(10, rateLimitPerMinute / 10) */
    rateLimitBurst?: number;
    /** Largest request body in MiB. @default 10 */
    maxBodyMb?: number;
    upstreams: NginxUpstream[];
    routes: NginxRoute[];
    /** pid file; must be writable by the (non-root) nginx user. @default /tmp/nginx.pid */
    pidPath?: string;
    /** Directory of the client-body and proxy temp files. @default /tmp */
    tempDir?: string;
    /** @default /dev/stderr */
    errorLogPath?: string;
    /** @default /dev/stdout */
    accessLogPath?: string;
    /** A plain-HTTP `location = <path>` answering 200, for the platform's health check. @default /healthz */
    healthPath?: string;
    /** Worker processes. @default auto */
    workerProcesses?: number | "auto";
    /**
     * Resolve upstream host names at request time through this DNS server (e.g. Docker's embedded
     * DNS, 127.0.0.11), re-resolving every `validSeconds`, instead of once at start. Without it
     * nginx resolves each `upstream` server at start and exits ("host not found in upstream") when
     * one does not resolve, and never sees a new address. With it each upstream must have exactly
     * one server, a name that resolves to every replica (nginx round-robins over the answers), and
     * the route's `proxy_pass` takes a variable, which is what makes nginx resolve at run time
     * (nginx docs, ngx_http_proxy_module `proxy_pass`: "a server name ... is searched among the
     * described server groups, and, if not found, is determined using a resolver"); upstream
     * keepalive does not apply then. @default none (resolve at start)
     */
    resolver?: { address: string; validSeconds?: number };
    /**
     * The Host header sent to the upstreams: the canonical host of the system (the apps' host check,
     * e.g. Django's ALLOWED_HOSTS, accepts it whatever name the client used); the client's Host
     * goes in X-Forwarded-Host. @default the client's ($host)
     */
    upstreamHost?: string;
    /**
     * A token the health path answers after "ok" (`ok <generation>`): which configuration the
     * running nginx has loaded, for a step that waits for a reload to take effect. Letters, digits, '.', '_' and '-'.
     * @default none: the health path answers "ok"
     */
    generation?: string;
    /**
     * An absolute file the health path answers with, when it exists, in place of the generation:
     * what a process beside nginx writes once a reload has fully taken effect (the Docker edge's
     * watcher, components/docker/rollout.ts). Without the file the health path answers as without
     * this option. @default none
     */
    healthFile?: string;
}

/**
 * The health path's location: `ok` (and the generation), or, with `file`, that file when it exists
 * (nginx docs, ngx_http_core_module `try_files`) and the constant answer when it does not.
 */
function healthLocation(healthPath: string, generation: string | undefined, file: string | undefined): string[] {
    const head = [`access_log off;`, `default_type text/plain;`];
    const answer = `return 200 "ok${generation ? ` ${generation}` : ""}\\n";`;
    if (!file) return [`location = ${healthPath} {`, ...head.map((l) => `    ${l}`), `    ${answer}`, `}`];
    return [
        `location = ${healthPath} {`,
        ...head.map((l) => `    ${l}`),
        `    root ${file.replace(/\/[^/]+$/, "") || "/"};`,
        `    try_files /${file.split("/").pop()} @health_constant;`,
        `}`,
        `location @health_constant {`,
        ...head.map((l) => `    ${l}`),
        `    ${answer}`,
        `}`,
    ];
}

const NAME = /^[A-Za-z0-9_-]+$/;
const HOST_PORT = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;
const PATH = /^\/[A-Za-z0-9._~\-/]*$/;

/** A double-quoted nginx string; refuses what could break out of it or expand a variable. */
function quoted(value: string, what: string): string {
    if (/["\\$\r\n]/.test(value)) throw new Error(`nginx: ${what} '${value}' may not contain double quotes, backslashes, '$' or newlines`);
    return `"${value}"`;
}

function check(ok: boolean, message: string): void {
    if (!ok) throw new Error(`nginx: ${message}`);
}

/** The full nginx.conf (main context) for the edge. Throws on an option that would not render safely. */
export function renderNginxConf(opts: NginxConfOptions): string {
    const httpPort = opts.httpPort ?? 8080;
    const httpsPort = opts.httpsPort ?? 8443;
    const publicHttpsPort = opts.publicHttpsPort ?? httpsPort;
    const temp = (opts.tempDir ?? "/tmp").replace(/\/$/, "");
    const healthPath = opts.healthPath ?? "/healthz";
    const hsts = opts.hstsMaxAgeSeconds ?? 31536000;
    const burst = opts.rateLimitBurst ?? Math.max(10, Math.ceil(opts.rateLimitPerMinute / 10));

    check(/^[A-Za-z0-9.-]+$/.test(opts.serverName), `server name '${opts.serverName}' is not a DNS name`);
    check(PATH.test(healthPath), `health path '${healthPath}' is not a URL path`);
    check(Number.isInteger(opts.rateLimitPerMinute) && opts.rateLimitPerMinute > 0, "rateLimitPerMinute must be a positive integer");
    const upstreamNames = new Set<string>();
    for (const u of opts.upstreams) {
        check(NAME.test(u.name), `upstream name '${u.name}' must be letters, digits, '-' or '_'`);
        check(!upstreamNames.has(u.name), `upstream '${u.name}' is declared twice`);
        check(u.servers.length > 0, `upstream '${u.name}' has no servers`);
        for (const s of u.servers) check(HOST_PORT.test(s), `upstream '${u.name}' server '${s}' is not host:port`);
        if (opts.resolver)
            check(
                u.servers.length === 1,
                `upstream '${u.name}': with a resolver, give one server name that resolves to every replica, not ${u.servers.length}`,
            );
        if (u.traffic) {
            const t = u.traffic;
            for (const [what, n] of Object.entries({ timeoutSeconds: t.timeoutSeconds, tries: t.tries, maxConcurrent: t.maxConcurrent }))
                check(Number.isInteger(n) && n > 0, `upstream '${u.name}': ${what} must be a positive integer`);
            for (const c of t.nextUpstream)
                check(NEXT_UPSTREAM.test(c), `upstream '${u.name}': '${c}' is not a proxy_next_upstream condition`);
            if (t.ratePerMinute !== undefined)
                check(
                    Number.isInteger(t.ratePerMinute) && t.ratePerMinute > 0,
                    `upstream '${u.name}': ratePerMinute must be a positive integer`,
                );
        }
        upstreamNames.add(u.name);
    }
    const paths = new Set<string>();
    for (const r of opts.routes) {
        check(PATH.test(r.path), `route path '${r.path}' is not a URL path`);
        check(upstreamNames.has(r.upstream), `route ${r.path} points at unknown upstream '${r.upstream}'`);
        const normalized = r.path === "/" ? "/" : r.path.replace(/\/+$/, "");
        check(!paths.has(normalized), `route ${r.path} is declared twice`);
        check(normalized !== healthPath, `route ${r.path} collides with the health path`);
        paths.add(normalized);
        for (const c of r.allowCidrs ?? []) check(CIDR.test(c), `route ${r.path}: '${c}' is not an IP address or CIDR`);
    }
    check(opts.routes.length > 0, "the edge needs at least one route");
    if (opts.resolver)
        check(
            /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\])(:\d{1,5})?$/.test(opts.resolver.address),
            `resolver '${opts.resolver.address}' is not an IP address`,
        );
    for (const u of opts.upstreams) {
        if (!u.canary) continue;
        check(opts.resolver !== undefined, `upstream '${u.name}': a weighted canary needs a resolver (it splits between two names)`);
        check(
            u.canary.percent > 0 && u.canary.percent < 100,
            `upstream '${u.name}': canary share ${u.canary.percent}% is not between 0 and 100`,
        );
        check(HOST_PORT.test(u.canary.server), `upstream '${u.name}' server '${u.canary.server}' is not host:port`);
    }
    if (opts.generation !== undefined) check(/^[A-Za-z0-9._-]+$/.test(opts.generation), `generation '${opts.generation}' is not a token`);
    if (opts.healthFile !== undefined)
        check(/^(\/[A-Za-z0-9._-]+)+$/.test(opts.healthFile), `health file '${opts.healthFile}' is not an absolute path`);
    if (opts.upstreamHost !== undefined)
        check(/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(opts.upstreamHost), `upstream host '${opts.upstreamHost}' is not a host name`);

    const headers = Object.entries(opts.securityHeaders ?? {}).map(([name, value]) => {
        check(/^[A-Za-z][A-Za-z0-9-]*$/.test(name), `header name '${name}' is not a token`);
        return `add_header ${name} ${quoted(value, `header ${name}`)} always;`;
    });
    const tlsHeaders = hsts > 0 ? [`add_header Strict-Transport-Security "max-age=${hsts}; includeSubDomains" always;`] : [];

    const upstreamVar = (name: string) => `$upstream_${name.replace(/-/g, "_")}`;
    const upstreams = opts.resolver
        ? [
              `# Upstream names are resolved at request time (Docker's DNS knows only running containers).`,
              `resolver ${opts.resolver.address} valid=${opts.resolver.validSeconds ?? 10}s ipv6=off;`,
              `resolver_timeout 5s;`,
              ...opts.upstreams.flatMap((u) =>
                  u.canary
                      ? [
                            `# Canary of ${u.name}: ${u.canary.percent}% of requests to the new replicas; nothing advances it but the next configuration.`,
                            `split_clients "\${request_id}" ${upstreamVar(u.name)} {`,
                            `    ${u.canary.percent}% http://${u.servers[0]};`,
                            `    * http://${u.canary.server};`,
                            `}`,
                        ]
                      : [],
              ),
          ]
        : opts.upstreams.flatMap((u) => [
              `upstream ${u.name} {`,
              ...u.servers.map((s) => `    server ${s} max_fails=3 fail_timeout=10s;`),
              `    keepalive 16;`,
              `}`,
          ]);
    const serverOf = new Map(opts.upstreams.map((u) => [u.name, u.servers[0]]));
    const trafficOf = new Map(opts.upstreams.flatMap((u) => (u.traffic ? [[u.name, u.traffic] as const] : [])));
    const zone = (kind: "conn" | "rate", name: string) => `${kind}_${name.replace(/-/g, "_")}`;
    // Per service: a concurrency zone counted under one constant key (all clients together), a rate zone per client.
    const trafficZones = [...trafficOf].flatMap(([name, t]) => [
        `# services.${name}.traffic: at most ${t.maxConcurrent} requests in flight${t.ratePerMinute ? `, ${t.ratePerMinute} a minute per client` : ""}.`,
        `limit_conn_zone "${name}" zone=${zone("conn", name)}:1m;`,
        ...(t.ratePerMinute ? [`limit_req_zone $binary_remote_addr zone=${zone("rate", name)}:10m rate=${t.ratePerMinute}r/m;`] : []),
    ]);
    const trafficBody = (name: string): string[] => {
        const t = trafficOf.get(name);
        if (!t) return [];
        return [
            ...(t.ratePerMinute
                ? [`limit_req zone=${zone("rate", name)} burst=${Math.max(10, Math.ceil(t.ratePerMinute / 10))} nodelay;`]
                : []),
            `limit_conn ${zone("conn", name)} ${t.maxConcurrent};`,
            `proxy_read_timeout ${t.timeoutSeconds}s;`,
            `proxy_next_upstream ${t.nextUpstream.length > 0 ? t.nextUpstream.join(" ") : "off"};`,
            `proxy_next_upstream_tries ${t.tries};`,
            `proxy_next_upstream_timeout ${t.timeoutSeconds}s;`,
        ];
    };
    const canaries = new Set(opts.upstreams.filter((u) => u.canary).map((u) => u.name));

    const proxyBody = (r: NginxRoute): string[] => [
        ...(r.allowCidrs ? [...r.allowCidrs.map((c) => `allow ${c};`), "deny all;"] : []),
        `limit_req zone=perip burst=${burst} nodelay;`,
        ...trafficBody(r.upstream),
        ...(opts.resolver
            ? [
                  ...(canaries.has(r.upstream) ? [] : [`set ${upstreamVar(r.upstream)} http://${serverOf.get(r.upstream)};`]),
                  `proxy_pass ${upstreamVar(r.upstream)};`,
              ]
            : [`proxy_pass http://${r.upstream};`]),
    ];
    // Longest prefix first reads best; nginx picks the longest match regardless.
    const sorted = [...opts.routes].sort((a, b) => b.path.length - a.path.length);
    const locations = sorted.flatMap((r) => {
        const body = proxyBody(r).map((l) => `    ${l}`);
        if (r.path === "/") return [`location / {`, ...body, `}`];
        const base = r.path.replace(/\/+$/, "");
        return [`location = ${base} {`, ...body, `}`, `location ^~ ${base}/ {`, ...body, `}`];
    });
    const health = healthLocation(healthPath, opts.generation, opts.healthFile);

    const redirectTarget = publicHttpsPort === 443 ? "https://$host$request_uri" : `https://$host:${publicHttpsPort}$request_uri`;
    const servers: string[][] = [];
    if (opts.tls) {
        servers.push([
            `server {`,
            `    listen ${httpPort};`,
            `    server_name ${opts.serverName};`,
            ...indent(health),
            `    location / {`,
            `        return 301 ${redirectTarget};`,
            `    }`,
            `}`,
        ]);
        servers.push([
            `server {`,
            // `listen ... ssl http2` works from nginx 1.9.5 on (1.25.1+ warn that `http2 on` is preferred).
            `    listen ${httpsPort} ssl http2;`,
            `    server_name ${opts.serverName};`,
            `    ssl_certificate ${quoted(opts.tls.certificatePath, "certificate path")};`,
            `    ssl_certificate_key ${quoted(opts.tls.keyPath, "key path")};`,
            `    ssl_protocols TLSv1.2 TLSv1.3;`,
            `    ssl_prefer_server_ciphers off;`,
            `    ssl_session_cache shared:TLS:10m;`,
            `    ssl_session_timeout 1d;`,
            `    ssl_session_tickets off;`,
            ...indent([...headers, ...tlsHeaders]),
            ...indent(locations),
            `}`,
        ]);
    } else {
        servers.push([
            `server {`,
            `    listen ${httpPort};`,
            `    server_name ${opts.serverName};`,
            ...indent(headers),
            ...indent(health),
            ...indent(locations),
            `}`,
        ]);
    }

    const http = [
        `server_tokens off;`,
        `default_type application/octet-stream;`,
        `sendfile on;`,
        `keepalive_timeout 65;`,
        `client_max_body_size ${opts.maxBodyMb ?? 10}m;`,
        `client_body_temp_path ${temp}/client_temp;`,
        `proxy_temp_path ${temp}/proxy_temp;`,
        `fastcgi_temp_path ${temp}/fastcgi_temp;`,
        `uwsgi_temp_path ${temp}/uwsgi_temp;`,
        `scgi_temp_path ${temp}/scgi_temp;`,
        `log_format edge '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time ua="$upstream_addr"';`,
        `access_log ${opts.accessLogPath ?? "/dev/stdout"} edge;`,
        ``,
        `# Rate limit per client IP: ${opts.rateLimitPerMinute} requests per minute.`,
        `limit_req_zone $binary_remote_addr zone=perip:10m rate=${opts.rateLimitPerMinute}r/m;`,
        `limit_req_status 429;`,
        ...trafficZones,
        ``,
        `# Proxy headers for every route.`,
        `proxy_http_version 1.1;`,
        `proxy_set_header Connection "";`,
        `proxy_set_header Host ${opts.upstreamHost ?? "$host"};`,
        `proxy_set_header X-Real-IP $remote_addr;`,
        `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`,
        `proxy_set_header X-Forwarded-Proto $scheme;`,
        `proxy_set_header X-Forwarded-Host $host;`,
        `proxy_set_header X-Forwarded-Port $server_port;`,
        `proxy_connect_timeout 5s;`,
        `proxy_read_timeout 60s;`,
        ``,
        ...upstreams,
        ``,
        ...servers.flatMap((s) => [...s, ""]),
    ];

    return [
        `# Rendered by tierform (components/shared/nginx.ts). Do not edit by hand.`,
        `worker_processes ${opts.workerProcesses ?? "auto"};`,
        `pid ${opts.pidPath ?? "/tmp/nginx.pid"};`,
        `error_log ${opts.errorLogPath ?? "/dev/stderr"} warn;`,
        ``,
        `events {`,
        `    worker_connections 1024;`,
        `}`,
        ``,
        `http {`,
        ...indent(http).map((l) => l.trimEnd()),
        `}`,
        ``,
    ].join("\n");
}

function indent(lines: string[]): string[] {
    return lines.map((l) => (l ? `    ${l}` : l));
}
