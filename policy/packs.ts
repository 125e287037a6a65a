/** Both policy packs, by name, as the offline runner evaluates them. */
import { PolicyPackSpec } from "./offline/engine";
import { leastPrivilegeIamPolicies } from "./least-privilege-iam/rules";
import { logRetentionPolicies } from "./log-retention/rules";

export const PACKS: readonly PolicyPackSpec[] = [
    { name: "least-privilege-iam", policies: leastPrivilegeIamPolicies },
    { name: "log-retention", policies: logRetentionPolicies },
];
