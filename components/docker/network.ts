/**
 * The Docker networks of a system: three user-defined bridges that keep the tiers apart.
 *
 * - `edge`: only the edge container; the one network with published ports.
 * - `app`: the edge and the services. `internal`: no route out of the host (closed by default,
 *   the spec's `egress`); nothing on it is published.
 * - `egress`: only services whose spec opts into `egress.internet` (payment APIs, mail, webhooks);
 *   not internal. Plain Docker cannot filter by port: such a service reaches every port, and its
 *   containers carry the label `tierform.egress` saying so (the spec's `ports` are recorded there).
 * - `data`: services that use a datastore, the datastores and the backup containers. `internal`,
 *   so datastores have no route in or out of the host; they are on no other network.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { SystemFacts } from "../../plan";
import { resourceName, type Tier } from "../shared/naming";
import { labelsFor } from "./common";

/**
 * A user-defined bridge network `<name>-<suffix>` of `tier`, labelled with `tierform.network: suffix`;
 * `internal` cuts it off from the host's routes (and so from published ports). Not attachable.
 */
export function bridgeNetwork(
    name: string,
    suffix: string,
    opts: { system: SystemFacts; tier: Tier; internal: boolean },
    parent: pulumi.Resource,
): docker.Network {
    const networkName = resourceName([name, suffix]);
    return new docker.Network(
        networkName,
        {
            name: networkName,
            driver: "bridge",
            internal: opts.internal,
            attachable: false,
            labels: labelsFor(opts.system, opts.tier, undefined, { "tierform.network": suffix }),
        },
        { parent },
    );
}

/** Arguments of {@link DockerNetwork}. */
export interface DockerNetworkArgs {
    /** The resolved system (names and labels). */
    system: SystemFacts;
    /** Make the app network internal, cutting the services' outbound access. @default true */
    internalApp?: boolean;
    /** Create the `egress` network for services that opt into the internet. @default false */
    egress?: boolean;
}

/** The edge, app and data networks of a system. */
export class DockerNetwork extends pulumi.ComponentResource {
    /** Network of the edge's published ports. */
    readonly edge: docker.Network;
    /** Network between the edge and the services. */
    readonly app: docker.Network;
    /** Internal network of the datastores. */
    readonly data: docker.Network;
    /** Outbound network of the services with `egress.internet`, when asked for. */
    readonly egress?: docker.Network;

    constructor(name: string, args: DockerNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("tierform:docker:Network", name, {}, opts);
        const make = (suffix: string, internal: boolean) =>
            bridgeNetwork(name, suffix, { system: args.system, tier: "network", internal }, this);
        this.edge = make("edge", false);
        this.app = make("app", args.internalApp ?? true);
        this.data = make("data", true);
        if (args.egress) this.egress = make("egress", false);
        this.registerOutputs({ edge: this.edge.name, app: this.app.name, data: this.data.name });
    }
}
