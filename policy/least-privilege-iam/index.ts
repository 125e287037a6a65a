/**
 * The least-privilege-iam policy pack. Load it with:
 *   pulumi preview --policy-pack policy/least-privilege-iam
 * Its dependencies resolve from the repository's node_modules (run `npm ci` at the root first).
 */
import { PolicyPack } from "@pulumi/policy";
import { leastPrivilegeIamPolicies } from "./rules";

new PolicyPack("least-privilege-iam", { policies: leastPrivilegeIamPolicies });
