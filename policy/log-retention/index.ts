/**
 * The log-retention policy pack. Load it with:
 *   pulumi preview --policy-pack policy/log-retention
 * Its dependencies resolve from the repository's node_modules (run `npm ci` at the root first).
 */
import { PolicyPack } from "@pulumi/policy";
import { logRetentionPolicies } from "./rules";

new PolicyPack("log-retention", { policies: logRetentionPolicies });
