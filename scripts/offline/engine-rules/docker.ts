/**
 * What the Docker daemon and the Docker provider (pulumi-docker, built on
 * kreuzwerker/terraform-provider-docker) refuse or break, checked offline. See `index.ts`.
 */
import type { EngineRule, Finding } from "./index";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

/**
 * Container and volume names: moby `daemon/names/names.go` `RestrictedNamePattern`
 * (`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`), checked by the daemon when it reserves a container name and
 * by the local volume driver (`volume/local/local.go` `validateName`).
 */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Every Docker rule. */
export const DOCKER_RULES: EngineRule[] = [
    {
        id: "docker-name-characters",
        types: [CONTAINER, VOLUME],
        outcome: "refused",
        source: "moby daemon/names/names.go RestrictedNamePattern (container names; volume/local/local.go validateName for volumes)",
        check(r): Finding[] {
            const name = r.inputs.name;
            if (typeof name !== "string" || NAME_PATTERN.test(name)) return [];
            return [{ field: "name", message: `'${name}' does not match ${NAME_PATTERN.source} (letters, digits, '_', '.', '-', at least two, starting with a letter or digit)` }];
        },
    },
];
