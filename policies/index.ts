/**
 * The tierform policy pack: the one place that constructs a PolicyPack (which starts the analyzer
 * server). Run it with
 *   pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json
 * One pack with two groups, security and reliability (every policy is tagged with its group).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./rules";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("./package.json") as { version: string };

new PolicyPack("tierform", {
    description: `tierform ${version}: security and reliability policies for the Docker (dev), Kubernetes (staging) and AWS (prod) platforms.`,
    enforcementLevel: "advisory",
    policies: allPolicies,
});
