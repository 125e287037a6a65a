/**
 * The least-privilege-iam pack's rules, run through the offline engine over hand-built resources: the
 * rules it exports, rule config, enforcement levels and unknown (preview-time) values. Each rule's
 * fixtures it must flag and must pass, in the shapes AWS accepts (documents as JSON strings or objects;
 * Action, Resource and Principal as a string or a list; Statement as one object), are in
 * policy-least-privilege-{identity,resource,roles}.test.ts.
 */
import { strict as assert } from "assert";
import { PolicyPackConfig } from "@pulumi/policy";
import {
    ecsDistinctRoles,
    eventBridgeTargetRoleScoped,
    leastPrivilegeIamPolicies,
    noWildcardActions,
    noWildcardResource,
} from "../policy/least-privilege-iam/rules";
import { evaluatePacks } from "../policy/offline/engine";
import { ACCOUNT, PASSED_TO_ECS, T, allow, doc, findings, messages, roleArn, rolePolicy } from "./support/least-privilege";
import { resourceRecord, unknownStringValue } from "./support/policy";

describe("least-privilege-iam rules", () => {
    it("exports exactly the rules policy-least-privilege*.test.ts test, with unique kebab-case names", () => {
        assert.deepEqual(
            leastPrivilegeIamPolicies.map((p) => p.name),
            [
                "iam-no-wildcard-actions",
                "iam-no-wildcard-resource",
                "iam-no-unknown-actions",
                "iam-pass-role-scoped",
                "iam-no-not-action-not-resource",
                "iam-no-admin-managed-policies",
                "iam-no-privilege-escalation",
                "iam-trust-policy-specific-principal",
                "resource-policy-no-public-access",
                "resource-policy-cross-account-limited",
                "ecs-distinct-execution-and-task-roles",
                "eventbridge-target-role-scoped",
                "iam-role-policy-styles-consistent",
            ],
        );
    });

    describe("enforcement levels and unknown values", () => {
        const wildcard = [rolePolicy(allow("s3:*", "arn:aws:s3:::b/*"))];

        it("reports at the rule's own level (mandatory) without pack config", async () => {
            const found = await findings(noWildcardActions, wildcard);
            assert.deepEqual(found.map((f) => [f.policy, f.enforcementLevel, f.message]), [["iam-no-wildcard-actions", "mandatory", 'policy statement 0 allows "s3:*".']]);
        });

        it('reports at "advisory" when the pack config says so, as a string or as enforcementLevel', async () => {
            for (const config of [{ "iam-no-wildcard-actions": "advisory" }, { "iam-no-wildcard-actions": { enforcementLevel: "advisory" } }] as PolicyPackConfig[]) {
                const found = await findings(noWildcardActions, wildcard, config);
                assert.deepEqual(found.map((f) => [f.enforcementLevel, f.message]), [["advisory", 'policy statement 0 allows "s3:*".']]);
            }
        });

        it('reports nothing when the pack config disables the rule, and keeps other rules running', async () => {
            const found = await evaluatePacks([{ name: "least-privilege-iam", policies: [noWildcardActions, noWildcardResource], config: { "iam-no-wildcard-actions": "disabled" } }], [rolePolicy(allow("s3:*"))]);
            assert.deepEqual(found.map((f) => f.policy), ["iam-no-wildcard-resource"]);
        });

        it("treats a policy that is unknown at preview as not applicable, for every resource rule", async () => {
            const unknownPolicy = [resourceRecord(T.rolePolicy, "rp", { role: "r", policy: unknownStringValue }), resourceRecord(T.bucketPolicy, "bp", { bucket: "b", policy: unknownStringValue })];
            for (const rule of leastPrivilegeIamPolicies) {
                assert.deepEqual(await messages(rule, unknownPolicy), [], rule.name);
            }
        });

        it("treats an unknown value inside a document object as not applicable, but still checks other resources", async () => {
            const records = [rolePolicy(allow("s3:*", unknownStringValue)), resourceRecord(T.rolePolicy, "known", { role: "r", policy: doc(allow("sqs:*", "arn:aws:sqs:eu-west-1:123456789012:q")) })];
            assert.deepEqual(await messages(noWildcardActions, records), ['policy statement 0 allows "sqs:*".']);
        });

        it("treats task definition roles that are both unknown as not applicable (not as equal)", async () => {
            const records = [resourceRecord(T.taskDefinition, "td", { family: "p", executionRoleArn: unknownStringValue, taskRoleArn: unknownStringValue })];
            assert.deepEqual(await messages(ecsDistinctRoles, records), []);
        });

        it("treats a stack whose task execution role is unknown as not applicable for the EventBridge rule", async () => {
            const taskDefArn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/p:1`;
            const records = [
                resourceRecord(T.eventTarget, "t", { roleArn: roleArn("r"), ecsTarget: { taskDefinitionArn: taskDefArn } }),
                resourceRecord(T.role, "r", { name: "r", arn: roleArn("r") }),
                resourceRecord(T.taskDefinition, "p", { arn: taskDefArn, family: "p", executionRoleArn: unknownStringValue, taskRoleArn: roleArn("t") }),
                resourceRecord(T.rolePolicy, "rp", { role: "r", policy: doc([allow("ecs:RunTask", taskDefArn), allow("iam:PassRole", [roleArn("e"), roleArn("t")], PASSED_TO_ECS)]) }),
            ];
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });
    });
});
