/**
 * The network-flow model that `namespace.ts` turns into NetworkPolicies, and what a datastore gives
 * the services that use it (`DatastoreConnection`).
 */
import * as pulumi from "@pulumi/pulumi";

/** One end of a network flow. */
export type Peer =
    /** Pods of this namespace matching the labels. */
    | { kind: "pods"; component: string; selector: Record<string, string> }
    /** Pods of another namespace (an operator, the ingress controller, Prometheus). */
    | { kind: "namespace"; component: string; namespace: string; podSelector?: Record<string, string> }
    /** Addresses outside the cluster (an S3 endpoint, the API server). */
    | { kind: "cidr"; component: string; cidr: string; except?: string[] };

/**
 * One allowed connection. `namespace.ts` makes an Ingress policy on `to` (when it is pods of the
 * namespace) and an Egress policy on `from` (when it is pods of the namespace).
 */
export interface Flow {
    /** Who connects. */
    from: Peer;
    /** Who is connected to. */
    to: Peer;
    /** Destination container ports. */
    ports: { port: number; protocol?: "TCP" | "UDP" }[];
}

/** How apps reach one datastore; the URL carries credentials and is always a secret. */
export interface DatastoreConnection {
    /** Writer host (cluster DNS name). */
    host: string;
    /** Client port. */
    port: number;
    /** Read-only endpoints (CloudNativePG `-ro` service), where there are replicas. */
    readerHosts?: string[];
    /** Connection URL with credentials (secret), or the bucket name for buckets (plain). */
    url: pulumi.Output<string>;
    /** The objects apps should wait for (so pods do not crash-loop while the datastore starts). */
    ready: pulumi.Resource[];
}
