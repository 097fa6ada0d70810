/**
 * How each platform secures the connection to a datastore, one table for every platform, decided
 * once: plan/bindings.ts names the CA-file variables by it, and each datastore's plan entry carries
 * it (plan/datastores.ts `DatastorePlanOf.transport`), from which the platforms spell the URLs.
 */
import type { Platform } from "../model";

/**
 * How the connection to a datastore is secured on a platform: `tls` encrypts; `verify` says how
 * the client checks the server's certificate and name — against `caFile` (a CA bundle the image
 * carries or the platform mounts), against the system trust store, or not at all.
 */
export interface Transport {
    /** Encrypted on the wire. */
    tls: boolean;
    /** How the server is verified: "file" (against `caFile`), "system" (the image's trust store) or "none". */
    verify: "file" | "system" | "none";
    /** The CA bundle path inside the container, with `verify: "file"`. */
    caFile?: string;
}

/**
 * Where the images of services that use an RDS or DocumentDB database must carry the Amazon RDS CA
 * bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem): the URLs and
 * `<NAME>_CA_FILE` name this path.
 */
export const RDS_CA_FILE = "/etc/ssl/certs/rds-global-bundle.pem";

/**
 * Where a Kubernetes pod finds the CA of the CloudNativePG cluster of database `<db>`:
 * `<dir>/<db>/ca.crt`, projected from the operator's `<db>-ca` Secret (key `ca.crt` only; the
 * Secret's `ca.key` is never mounted).
 */
export const KUBERNETES_CA_DIR = "/etc/tierform/ca";

/** Where the Amazon RDS CA bundle is published. */
export const RDS_CA_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/**
 * How `platform` secures the connection to datastore `d` (its kind, its engine where it has one,
 * and its name; undefined for a name that is no datastore): Docker (dev) runs every datastore in
 * plain text on its private data network; Kubernetes encrypts PostgreSQL and verifies it against
 * CloudNativePG's CA, mounted into the pods at {@link KUBERNETES_CA_DIR} (the operator's server
 * certificate names `<db>-rw.<ns>.svc` and `.svc.cluster.local`: cloudnative-pg api/v1
 * cluster_funcs.go `GetClusterAltDNSNames`), and runs the others in plain text; AWS encrypts
 * everything — RDS and DocumentDB verified against the Amazon RDS CA bundle at {@link RDS_CA_FILE},
 * ElastiCache against the system trust store (its certificates chain to Amazon's public roots), SQS
 * through the SDK's HTTPS.
 */
export function transportFor(d: { kind: string; engine?: string; name: string } | undefined, platform: Platform): Transport {
    if (platform === "docker" || d?.kind === "bucket") return { tls: false, verify: "none" };
    if (platform === "kubernetes") {
        return d?.kind === "database" && d.engine === "postgres"
            ? { tls: true, verify: "file", caFile: `${KUBERNETES_CA_DIR}/${d.name}/ca.crt` }
            : { tls: false, verify: "none" };
    }
    if (d?.kind === "database") return { tls: true, verify: "file", caFile: RDS_CA_FILE };
    return { tls: true, verify: "system" };
}
