/**
 * The log-retention policy pack. Load it with:
 *   pulumi preview --policy-pack policy/log-retention
 * In this repository `npm ci` at the root installs its dependencies (the packs and policy/lib are npm
 * workspaces); published, its package.json names them, @s3-fargate-pipeline/policy-lib included.
 */
import { PolicyPack } from "@pulumi/policy";
import { logRetentionPolicies } from "./rules";

new PolicyPack("log-retention", { policies: logRetentionPolicies });
