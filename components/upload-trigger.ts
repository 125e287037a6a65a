import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import {
    BucketPrefixes,
    Transform,
    applyTransform,
    transformed,
    deadLetterQueuePolicy,
    validateNumericPlatformVersion,
    requireIntegerInRange,
    runTaskInputTransformer,
    eventBridgeTargetTrustPolicy,
    targetRolePolicy,
    uploadEventPattern,
    validateSuffixes,
} from "./builders";
import { ExistingRole, existingRoleArn, useOrCreateRole } from "./overrides";
import { typeToken } from "./names";
import { RunTaskTriggerArgs } from "./run-task";

/**
 * How the rule retries and keeps what it could not deliver: the settings the cross-language UploadTrigger
 * takes as they are (so each default is stated in the text, as "Default: …").
 */
export interface UploadTriggerSettings {
    /**
     * Fargate platform version, in the numeric form EventBridge's ECS target takes (such as "1.4.0"; "LATEST"
     * is refused there). Default: unset: the latest version.
     */
    platformVersion?: string;
    /** How long EventBridge keeps retrying a failed RunTask (60–86400 s). Default: 3600. */
    maxEventAgeSeconds?: number;
    /** How many times EventBridge retries a failed RunTask (0–185). Default: 8. */
    maxRetryAttempts?: number;
    /** How long an undelivered event stays in the dead-letter queue (60–1209600 s). Default: 1209600 (14 days). */
    deadLetterRetentionSeconds?: number;
}

export interface UploadTriggerArgs extends RunTaskTriggerArgs, UploadTriggerSettings {
    /** The bucket uploads land in (an UploadBucket fits). */
    bucket: { bucketName: pulumi.Input<string>; prefixes: BucketPrefixes };
    /**
     * The role EventBridge assumes to run the task: by default one created here, trusted by this rule only, that
     * can run this task definition in this cluster and pass the task's two roles. `{ existing: { arn } }`: a role
     * you manage instead; no role or role policy is created, and yours must trust `events.amazonaws.com` and
     * allow `ecs:RunTask` on the task definition's family (in the cluster), `iam:PassRole` on the task's two
     * roles (to `ecs-tasks.amazonaws.com`) and `ecs:TagResource` on the cluster's tasks. Cannot be combined
     * with `transform.role` or `transform.rolePolicy`. `false` is refused: EventBridge needs a role to call RunTask.
     * @default a role created here
     */
    role?: ExistingRole;
    /**
     * Overrides for each child resource: a partial arguments object merged over ours, or a function
     * `(args, opts, name)` that edits them (see builders/transform.ts; `rule` and `target` get copies of the
     * arguments only).
     */
    transform?: {
        rule?: Transform<aws.cloudwatch.EventRuleArgs>;
        target?: Transform<aws.cloudwatch.EventTargetArgs>;
        deadLetterQueue?: Transform<aws.sqs.QueueArgs, pulumi.CustomResourceOptions>;
        deadLetterQueuePolicy?: Transform<aws.sqs.QueuePolicyArgs, pulumi.CustomResourceOptions>;
        role?: Transform<aws.iam.RoleArgs, pulumi.CustomResourceOptions>;
        rolePolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
    };
}

/** UploadTrigger's arguments, validated (errors name `<name>.<field>`), with defaults applied. */
function settleUploadTrigger(name: string, args: UploadTriggerArgs) {
    const field = (f: string) => `${name}.${f}`;
    const suffixes = validateSuffixes(args.keySuffixes ?? [], field("keySuffixes"));
    const maxEventAge = requireIntegerInRange(field("maxEventAgeSeconds"), args.maxEventAgeSeconds ?? 3600, 60, 86400);
    const maxAttempts = requireIntegerInRange(field("maxRetryAttempts"), args.maxRetryAttempts ?? 8, 0, 185);
    const dlqRetention = requireIntegerInRange(field("deadLetterRetentionSeconds"), args.deadLetterRetentionSeconds ?? 1209600, 60, 1209600);
    const platformVersion = args.platformVersion === undefined ? undefined : validateNumericPlatformVersion(args.platformVersion, field("platformVersion"));
    const t = args.transform ?? {};
    const existingRole = existingRoleArn(field("role"), args.role, { [field("transform.role")]: t.role, [field("transform.rolePolicy")]: t.rolePolicy }, "EventBridge needs a role to call RunTask");
    const transformer = runTaskInputTransformer(args.task.containerName);
    return { suffixes, maxEventAge, maxAttempts, dlqRetention, platformVersion, existingRole, transformer };
}

/**
 * The EventBridge rule that turns "an object was created under the upload prefix" into an ECS
 * RunTask, with the object's bucket, key, size, ETag and event time in the container's environment,
 * a retry policy, a dead-letter queue for events that could not be delivered, and a target role that
 * can only run this task definition and pass its two roles.
 */
export class UploadTrigger extends pulumi.ComponentResource {
    /** The rule. */
    public readonly rule: aws.cloudwatch.EventRule;
    /** The rule's ARN. */
    public readonly ruleArn: pulumi.Output<string>;
    /** The rule's ECS target. */
    public readonly target: aws.cloudwatch.EventTarget;
    /** Events that exhausted their retries land here. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** The role EventBridge assumes to run the task, when created here (not with `role: { existing }`). */
    public readonly role?: aws.iam.Role;
    /** The ARN of the role EventBridge assumes to run the task. */
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: UploadTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("events", "UploadTrigger"), name, {}, opts);
        const s = settleUploadTrigger(name, args);
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

        this.rule = new aws.cloudwatch.EventRule(
            `${name}-rule`,
            applyTransform<aws.cloudwatch.EventRuleArgs>(
                {
                    description: `Runs the processor for objects created under ${args.bucket.prefixes.upload}`,
                    eventPattern: pulumi
                        .output(args.bucket.bucketName)
                        .apply((bucketName) => JSON.stringify(uploadEventPattern({ bucketName, prefix: args.bucket.prefixes.upload, suffixes: s.suffixes }))),
                },
                args.transform?.rule,
            ),
            { parent: this },
        );
        this.ruleArn = this.rule.arn;
        const dlq = this.createDeadLetterQueue(name, args, s.dlqRetention);
        this.deadLetterQueue = dlq.queue;
        let rolePolicy: aws.iam.RolePolicy | undefined;
        ({ role: this.role, arn: this.roleArn } = useOrCreateRole(s.existingRole, () => {
            const created = this.createRole(name, args, accountId);
            rolePolicy = created.policy;
            return created.role;
        }));
        // The role must be able to run the task before the first event arrives.
        this.target = this.createTarget(name, args, s, rolePolicy === undefined ? [dlq.policy] : [rolePolicy, dlq.policy]);
        this.registerOutputs({ ruleArn: this.ruleArn, deadLetterQueueUrl: this.deadLetterQueue.url });
    }

    /** SSE-SQS (a queue encrypted with the AWS managed KMS key cannot receive EventBridge dead letters), for this rule only. */
    private createDeadLetterQueue(name: string, args: UploadTriggerArgs, retentionSeconds: number): { queue: aws.sqs.Queue; policy: aws.sqs.QueuePolicy } {
        const t = args.transform ?? {};
        const queue = new aws.sqs.Queue(
            ...transformed(t.deadLetterQueue, `${name}-dlq`, { sqsManagedSseEnabled: true, messageRetentionSeconds: retentionSeconds }, { parent: this }),
        );
        const policy = new aws.sqs.QueuePolicy(...transformed(t.deadLetterQueuePolicy, `${name}-dlq-policy`, {
            queueUrl: queue.url,
            policy: pulumi
                .all([queue.arn, this.rule.arn])
                .apply(([queueArn, ruleArn]) => JSON.stringify(deadLetterQueuePolicy({ queueArn, ruleArn }))),
        }, { parent: this }));
        return { queue, policy };
    }

    /** The ECS RunTask target: the task in the cluster with the upload's details in its environment, retries, dead letters. */
    private createTarget(name: string, args: UploadTriggerArgs, s: ReturnType<typeof settleUploadTrigger>, dependsOn: pulumi.Resource[]): aws.cloudwatch.EventTarget {
        const strategy = args.capacityProviderStrategy ?? [];
        return new aws.cloudwatch.EventTarget(
            `${name}-target`,
            applyTransform<aws.cloudwatch.EventTargetArgs>(
                {
                    rule: this.rule.name,
                    arn: args.cluster.clusterArn,
                    roleArn: this.roleArn,
                    ecsTarget: {
                        taskDefinitionArn: args.task.taskDefinitionArn,
                        taskCount: 1,
                        // EcsParameters: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted"
                        // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EcsParameters.html).
                        launchType: strategy.length === 0 ? "FARGATE" : undefined,
                        capacityProviderStrategies: strategy.length === 0 ? undefined : strategy.map((item) => ({ ...item })),
                        platformVersion: s.platformVersion,
                        networkConfiguration: {
                            subnets: args.network.subnetIds,
                            securityGroups: args.network.securityGroupIds,
                            assignPublicIp: args.network.assignPublicIp ?? true,
                        },
                        propagateTags: "TASK_DEFINITION",
                        enableEcsManagedTags: true,
                    },
                    inputTransformer: s.transformer,
                    retryPolicy: { maximumEventAgeInSeconds: s.maxEventAge, maximumRetryAttempts: s.maxAttempts },
                    deadLetterConfig: { arn: this.deadLetterQueue.arn },
                },
                args.transform?.target,
            ),
            { parent: this, dependsOn },
        );
    }

    /** The target role (trusted by this rule only) and its policy (run this task definition, pass its two roles). */
    private createRole(name: string, args: UploadTriggerArgs, accountId: pulumi.Output<string>): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
        const parent = { parent: this };
        const t = args.transform ?? {};
        const role = new aws.iam.Role(...transformed(t.role, `${name}-role`, {
            description: "Lets the upload rule run the processor task",
            assumeRolePolicy: pulumi
                .all([accountId, this.rule.arn])
                .apply(([account, ruleArn]) =>
                    JSON.stringify(eventBridgeTargetTrustPolicy({ account, ruleArn })),
                ),
        }, parent));
        const policy = new aws.iam.RolePolicy(...transformed(t.rolePolicy, `${name}-role-policy`, {
            role: role.id,
            policy: pulumi
                .all([args.task.taskDefinitionArn, args.cluster.clusterArn, args.task.executionRoleArn, args.task.taskRoleArn])
                .apply(([taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn]) =>
                    JSON.stringify(targetRolePolicy({ taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn })),
                ),
        }, parent));
        return { role, policy };
    }
}
