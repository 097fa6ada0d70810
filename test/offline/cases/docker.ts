/** Engine-rule cases of the Docker rules (scripts/offline/engine-rules/docker.ts). */
import { recorded, type EngineRuleCase } from "../helpers";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

/** Every Docker rule's cases. */
export const dockerRuleCases: EngineRuleCase[] = [
    {
        rule: "docker-name-characters",
        good: [recorded(CONTAINER, "shop-web-0", { name: "shop-web-0" }), recorded(VOLUME, "shop-db-data", { name: "shop-db-data" })],
        bad: [
            { why: "a container name with a colon", resources: [recorded(CONTAINER, "c", { name: "shop:web" })], expect: /'shop:web' does not match/ },
            { why: "a one-character volume name", resources: [recorded(VOLUME, "v", { name: "x" })] },
        ],
    },
];
