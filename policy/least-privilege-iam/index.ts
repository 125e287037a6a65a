/**
 * The least-privilege-iam policy pack. Load it with:
 *   pulumi preview --policy-pack policy/least-privilege-iam
 * In this repository `npm ci` at the root installs its dependencies (the packs and policy/lib are npm
 * workspaces); published, its package.json names them, @s3-fargate-pipeline/policy-lib included.
 */
import { PolicyPack } from "@pulumi/policy";
import { leastPrivilegeIamPolicies } from "./rules";

new PolicyPack("least-privilege-iam", { policies: leastPrivilegeIamPolicies });
