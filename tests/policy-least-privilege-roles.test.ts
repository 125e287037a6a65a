/** The least-privilege-iam rules on how roles are wired: ECS execution and task roles, EventBridge target roles, consistent role-policy styles. */
import { strict as assert } from "assert";
import { ecsDistinctRoles, eventBridgeTargetRoleScoped, rolePolicyStylesConsistent } from "../policy/least-privilege-iam/rules";
import { ResourceRecord } from "../policy/offline/engine";
import { ACCOUNT, PASSED_TO_ECS, Props, T, allow, deny, doc, findings, messages, roleArn } from "./support/least-privilege";
import { resourceRecord } from "./support/policy";

describe("least-privilege-iam rules", () => {
    describe("ecs-distinct-execution-and-task-roles", () => {
        it("flags a task definition whose execution role is also its task role", async () => {
            const records = [resourceRecord(T.taskDefinition, "td", { family: "processor", executionRoleArn: roleArn("shared"), taskRoleArn: roleArn("shared") })];
            assert.deepEqual(await messages(ecsDistinctRoles, records), [`uses ${roleArn("shared")} as both execution role and task role.`]);
        });

        it("passes distinct roles, and a task definition with neither role", async () => {
            const records = [
                resourceRecord(T.taskDefinition, "td", { family: "processor", executionRoleArn: roleArn("exec"), taskRoleArn: roleArn("task") }),
                resourceRecord(T.taskDefinition, "bare", { family: "bare" }),
            ];
            assert.deepEqual(await messages(ecsDistinctRoles, records), []);
        });
    });

    describe("eventbridge-target-role-scoped", () => {
        const TASK_DEF_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/processor:3`;
        const CLUSTER_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/processing`;
        const ROLE_NAME = "target-role-1a2b3c";

        const runTask = (resourceArn: string | string[] = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/processor:*`) =>
            allow("ecs:RunTask", resourceArn, { Condition: { ArnEquals: { "ecs:cluster": CLUSTER_ARN } } });
        const passRoles = (arns: string[] = [roleArn("exec"), roleArn("task")]) => allow("iam:PassRole", arns, PASSED_TO_ECS);
        const tagTasks = allow("ecs:TagResource", `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/processing/*`, { Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } });

        /** A target, its role, the task definition it runs and a RolePolicy for the role with these statements. */
        function stack(statements: Props[], roleProps: Props = {}): ResourceRecord[] {
            return [
                resourceRecord(T.eventTarget, "on-upload-target", { rule: "on-upload", arn: CLUSTER_ARN, roleArn: roleArn(ROLE_NAME), ecsTarget: { taskDefinitionArn: TASK_DEF_ARN, launchType: "FARGATE" } }),
                resourceRecord(T.role, "target-role", { id: ROLE_NAME, name: ROLE_NAME, arn: roleArn(ROLE_NAME), assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }), ...roleProps }),
                resourceRecord(T.taskDefinition, "processor", { family: "processor", arn: TASK_DEF_ARN, executionRoleArn: roleArn("exec"), taskRoleArn: roleArn("task") }),
                resourceRecord(T.rolePolicy, "target-role-policy", { role: ROLE_NAME, policy: doc(statements, "string") }),
            ];
        }

        it("passes a role that runs the family on the cluster, passes exactly the two task roles and tags the tasks", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask(), passRoles(), tagTasks, deny("s3:*")])), []);
        });

        it("passes ecs:RunTask on the exact revision or the family without a revision", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask([TASK_DEF_ARN, TASK_DEF_ARN.replace(/:3$/, "")]), passRoles()])), []);
        });

        it("flags ecs:RunTask on another family, reported against the role", async () => {
            const other = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/other:*`;
            const found = await findings(eventBridgeTargetRoleScoped, stack([runTask(other), passRoles()]));
            assert.deepEqual(
                found.map((f) => [f.message, f.resourceName]),
                [[`role target-role of target on-upload-target grants ecs:RunTask on ${other} (only processor may run).`, "target-role"]],
            );
        });

        it("flags iam:PassRole on a third role", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask(), passRoles([roleArn("exec"), roleArn("task"), roleArn("admin")])])), [
                `role target-role of target on-upload-target grants iam:PassRole on ${roleArn("admin")} (only the task's execution and task roles).`,
            ]);
        });

        it("flags an extra action, also when it comes from the role's inline policies", async () => {
            const records = stack([runTask(), passRoles(), allow("s3:GetObject", "arn:aws:s3:::b/*")], { inlinePolicies: [{ name: "extra", policy: doc(allow("sqs:SendMessage", "*")) }] });
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), [
                "role target-role of target on-upload-target grants sqs:SendMessage, which running the task does not need.",
                "role target-role of target on-upload-target grants s3:GetObject, which running the task does not need.",
            ]);
        });

        it("checks managed policies attached to the role: a stack policy's document, and an AWS managed policy it cannot read", async () => {
            const runAny = resourceRecord(T.policy, "run-any", { name: "run-any", arn: `arn:aws:iam::${ACCOUNT}:policy/run-any`, policy: doc(allow("ecs:RunTask", "*")) });
            const records = [
                ...stack([runTask(), passRoles()]),
                runAny,
                resourceRecord(T.attachment, "att-stack", { role: ROLE_NAME, policyArn: `arn:aws:iam::${ACCOUNT}:policy/run-any` }),
                resourceRecord("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "att-aws", { roleName: ROLE_NAME, policyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole"] }),
            ];
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), [
                "role target-role of target on-upload-target grants the managed policy arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole (through att-aws), whose grants are not limited to this task.",
                "role target-role of target on-upload-target grants ecs:RunTask on * (only processor may run).",
            ]);
        });

        it("ignores empty and unreadable documents instead of failing the whole evaluation", async () => {
            const records = stack([runTask(), passRoles()], { inlinePolicies: [{}] });
            records.push(resourceRecord(T.rolePolicy, "broken", { role: ROLE_NAME, policy: "{not json" }));
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });

        it("skips targets without an ECS target or a role", async () => {
            const records = stack([allow("s3:GetObject", "*")]);
            records[0] = resourceRecord(T.eventTarget, "on-upload-target", { rule: "on-upload", arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:q` });
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });
    });

    describe("iam-role-policy-styles-consistent", () => {
        const role = (props: Props) => resourceRecord(T.role, "task-role", { id: "task-role-9z", name: "task-role-9z", arn: roleArn("task-role-9z"), ...props });
        const rp = (roleName: string) => resourceRecord(T.rolePolicy, `rp-${roleName}`, { role: roleName, policy: doc(allow("s3:GetObject", "arn:aws:s3:::b/*")) });

        it("flags a role with inlinePolicies and a RolePolicy for the same role", async () => {
            const records = [role({ inlinePolicies: [{ name: "p", policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*")) }] }), rp("task-role-9z")];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), ["role task-role has inlinePolicies and RolePolicy resources; they overwrite each other."]);
        });

        it("flags a role with managedPolicyArns and a RolePolicyAttachment for the same role", async () => {
            const records = [
                role({ managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resourceRecord(T.attachment, "att", { role: "task-role-9z", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }),
            ];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), ["role task-role has managedPolicyArns and RolePolicyAttachment resources; they detach each other's policies."]);
        });

        it("flags managedPolicyArns with a RolePolicyAttachmentsExclusive or a PolicyAttachment for the same role", async () => {
            const records = [
                role({ managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resourceRecord("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ex", { roleName: "task-role-9z", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resourceRecord("aws:iam/policyAttachment:PolicyAttachment", "pa", { roles: ["task-role-9z"], policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
            ];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), [
                "role task-role has managedPolicyArns and RolePolicyAttachmentsExclusive, PolicyAttachment resources; they detach each other's policies.",
            ]);
        });

        it("passes a role with RolePolicy resources only, and inlinePolicies whose RolePolicy is for another role", async () => {
            assert.deepEqual(await messages(rolePolicyStylesConsistent, [role({}), rp("task-role-9z")]), []);
            assert.deepEqual(await messages(rolePolicyStylesConsistent, [role({ inlinePolicies: [{ name: "p", policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*")) }] }), rp("other-role")]), []);
        });
    });
});
