import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { aboveThresholdAlarm } from "./builders/monitoring";
import { validatePlatformVersion } from "./builders/fargate";
import { PolicyDocument, PolicyStatement, denyInsecureTransport, lambdaTrustPolicy, targetRolePolicy } from "./builders/iam";
import { BucketPrefixes, validateSuffixes } from "./builders/prefixes";
import { DEFAULT_LOG_RETENTION_DAYS, validateRetention } from "./builders/retention";
import { Transform, applyTransform, transformed } from "./builders/transform";
import { invalid, requireIntegerInRange } from "./builders/validation";
import { lambdaCode } from "./lambda-code";
import { ExistingLogGroup, ExistingRole, existingLogGroupName, existingRoleArn, useOrCreateLogGroup, useOrCreateRole } from "./overrides";
import { typeToken } from "./names";
import type { RunTaskTriggerArgs } from "./run-task";

/** The Node.js runtime the trigger uses unless told otherwise: the newest one @pulumi/aws knows. */
export const DEFAULT_TRIGGER_RUNTIME: aws.lambda.Runtime = "nodejs24.x";

/** Node.js runtimes the trigger accepts: those @pulumi/aws knows, from Node.js 22 on (20 is past end of life). */
export const TRIGGER_RUNTIMES: readonly string[] = Object.values(aws.lambda.Runtime).filter((r) => {
    const m = /^nodejs(\d+)\.x$/.exec(r);
    return m !== null && Number(m[1]) >= 22;
});

/**
 * How the trigger function runs and retries: the settings the cross-language LambdaTrigger takes as they
 * are (so each default is stated in the text, as "Default: …").
 */
export interface LambdaTriggerSettings {
    /** Fargate platform version: "LATEST" or a version such as "1.4.0" (RunTask takes both). Default: unset: the latest version. */
    platformVersion?: string;
    /** The function's memory in MB (128–10240). Default: 256. */
    memorySize?: number;
    /** The function's timeout in seconds (1–900); RunTask is retried by the SDK within it. Default: 60. */
    timeoutSeconds?: number;
    /**
     * Concurrent executions reserved for (and capped at) this function (1–10000). Events beyond it are
     * throttled and retried by Lambda. Default: unreserved: the account's pool.
     */
    reservedConcurrency?: number;
    /** Retention of the function's log group, one of the CloudWatch values; not with an existing log group. Default: 30. */
    logRetentionDays?: number;
    /** How many times Lambda retries a failed invocation (0–2). Default: 2. */
    maxRetryAttempts?: number;
    /** How long Lambda keeps an event for retries, in seconds (60–21600). Default: 21600 (6 hours). */
    maxEventAgeSeconds?: number;
    /** How long a failed event stays in the dead-letter queue (60–1209600 s). Default: 1209600 (14 days). */
    deadLetterRetentionSeconds?: number;
    /**
     * Alarm on the function's errors and on events waiting in the dead-letter queue, notifying this SNS topic
     * (an Observability's `topicArn` fits). Default: no alarms.
     */
    alarmTopicArn?: pulumi.Input<string>;
}

/**
 * LambdaTrigger's arguments. Its `keySuffixes` become one S3 notification filter each, under the upload
 * prefix; S3 rejects suffixes where one ends another (".gz" and ".csv.gz"), and so does this component.
 */
export interface LambdaTriggerArgs extends RunTaskTriggerArgs, LambdaTriggerSettings {
    /**
     * The bucket uploads land in (an UploadBucket fits). Create it with `eventBridge: false`: this
     * component owns the bucket's notification configuration, and S3 keeps one per bucket.
     */
    bucket: { bucketName: pulumi.Input<string>; bucketArn: pulumi.Input<string>; prefixes: BucketPrefixes };
    /** The function's Node.js runtime (nodejs22.x or newer). @default "nodejs24.x", the newest the AWS provider package knows */
    runtime?: aws.lambda.Runtime;
    /** @default "arm64" */
    architecture?: "arm64" | "x86_64";
    /**
     * The function's log group: by default `/aws/lambda/<function name>`, created here with
     * `logRetentionDays` before the function exists. `{ existing: { name } }`: a group of yours in the
     * stack's region, which the function logs to (its `loggingConfig`); nothing is created, and the role
     * created here may write to it. Cannot be combined with `logRetentionDays` or `transform.logGroup`.
     * `false` is refused: Lambda would create `/aws/lambda/<function name>` itself, never expiring.
     * @default a log group created here
     */
    logGroup?: ExistingLogGroup;
    /**
     * The function's execution role: by default one created here, trusted by Lambda, that may write its
     * log group, run the task family on the cluster, pass the task's two roles and send to the dead-letter
     * queue. `{ existing: { arn } }`: a role of yours; no role or policy is created, and yours must trust
     * `lambda.amazonaws.com` and allow `logs:CreateLogStream` and `logs:PutLogEvents` on the log group,
     * `ecs:RunTask` on the task definition's family (in the cluster), `iam:PassRole` on the task's two roles
     * (to `ecs-tasks.amazonaws.com`), `ecs:TagResource` on the cluster's tasks and `sqs:SendMessage` on the
     * dead-letter queue. Cannot be combined with `transform.role` or `transform.rolePolicy`. `false` is
     * refused: a Lambda function needs a role.
     * @default a role created here
     */
    role?: ExistingRole;
    /** Adjust the arguments of a child resource. */
    transform?: {
        function?: Transform<aws.lambda.FunctionArgs>;
        role?: Transform<aws.iam.RoleArgs>;
        logGroup?: Transform<aws.cloudwatch.LogGroupArgs>;
        deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
        invokeConfig?: Transform<aws.lambda.FunctionEventInvokeConfigArgs>;
        notification?: Transform<aws.s3.BucketNotificationArgs>;
        deadLetterQueuePolicy?: Transform<aws.sqs.QueuePolicyArgs, pulumi.CustomResourceOptions>;
        rolePolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
        permission?: Transform<aws.lambda.PermissionArgs, pulumi.CustomResourceOptions>;
        /** Each alarm (the function receives its name). */
        alarm?: Transform<aws.cloudwatch.MetricAlarmArgs, pulumi.CustomResourceOptions>;
    };
}

export interface TriggerRolePolicyArgs {
    /** ARN of the function's log group (without the trailing `:*`). */
    logGroupArn: string;
    /** ARN of the task definition (any revision); every revision of its family may run. */
    taskDefinitionArn: string;
    clusterArn: string;
    executionRoleArn: string;
    taskRoleArn: string;
    deadLetterQueueArn: string;
}

/**
 * The trigger function's role: write its own log group, run the task family on the cluster, pass
 * exactly the task's two roles to ECS tasks, tag the tasks it starts, and send failed events to its
 * dead-letter queue (the on-failure destination is delivered with the function's role).
 */
export function triggerRolePolicy(args: TriggerRolePolicyArgs): PolicyDocument {
    const statements: PolicyStatement[] = [
        { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${args.logGroupArn}:*` },
        ...targetRolePolicy(args).Statement,
        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: args.deadLetterQueueArn },
    ];
    return { Version: "2012-10-17", Statement: statements };
}

/** Characters a notification filter value may hold without URL encoding, which S3 requires for any other. */
const FILTER_SAFE = /^[A-Za-z0-9._/-]+$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** `<project>-<stack>-<name>`, reduced to the characters and length a function name allows. */
export function defaultTriggerFunctionName(name: string): string {
    return `${pulumi.getProject()}-${pulumi.getStack()}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64);
}

/** LambdaTrigger's arguments, validated (errors name `<name>.<field>`), with defaults applied. */
export function normaliseLambdaTriggerArgs(name: string, args: LambdaTriggerArgs) {
    const field = (f: string) => `${name}.${f}`;
    const prefix = args.bucket.prefixes.upload;
    if (!FILTER_SAFE.test(prefix)) {
        invalid(
            field("bucket.prefixes.upload"),
            prefix,
            "has characters S3 notification filters need URL-encoded",
            "use letters, digits, '.', '_', '-' and '/' in the upload prefix (or use UploadTrigger with EventBridge)",
        );
    }
    const suffixes = validateSuffixes(args.keySuffixes ?? [], field("keySuffixes"));
    suffixes.forEach((s, i) => {
        if (!FILTER_SAFE.test(s)) {
            invalid(`${field("keySuffixes")}[${i}]`, s, "has characters S3 notification filters need URL-encoded", "use letters, digits, '.', '_', '-' and '/'");
        }
        suffixes.forEach((other, j) => {
            if (j < i && (s.endsWith(other) || other.endsWith(s))) {
                invalid(
                    `${field("keySuffixes")}[${i}]`,
                    s,
                    `overlaps ${field("keySuffixes")}[${j}] ${JSON.stringify(other)}`,
                    "S3 rejects notification filters where one suffix ends another under the same prefix; keep the shorter one",
                );
            }
        });
    });
    const containerName = args.task.containerName;
    if (!CONTAINER_NAME.test(containerName)) {
        invalid(field("task.containerName"), containerName, "is not a valid ECS container name", "use 1-255 letters, digits, hyphens and underscores");
    }
    const platformVersion = args.platformVersion === undefined ? undefined : validatePlatformVersion(args.platformVersion, field("platformVersion"));
    const strategy = (args.capacityProviderStrategy ?? []).map((s, i) => ({
        capacityProvider: s.capacityProvider,
        base: requireIntegerInRange(field(`capacityProviderStrategy[${i}].base`), s.base, 0, 100000),
        weight: requireIntegerInRange(field(`capacityProviderStrategy[${i}].weight`), s.weight, 0, 1000),
    }));
    const runtime = args.runtime ?? DEFAULT_TRIGGER_RUNTIME;
    if (!TRIGGER_RUNTIMES.includes(runtime)) {
        invalid(field("runtime"), runtime, "is not a supported Node.js Lambda runtime", `use one of ${TRIGGER_RUNTIMES.join(", ")}`);
    }
    const architecture = args.architecture ?? "arm64";
    if (architecture !== "arm64" && architecture !== "x86_64") {
        invalid(field("architecture"), architecture, "is not a Lambda architecture", "use arm64 or x86_64");
    }
    const memorySize = requireIntegerInRange(field("memorySize"), args.memorySize ?? 256, 128, 10240);
    const timeout = requireIntegerInRange(field("timeoutSeconds"), args.timeoutSeconds ?? 60, 1, 900);
    const reserved = args.reservedConcurrency === undefined ? undefined : requireIntegerInRange(field("reservedConcurrency"), args.reservedConcurrency, 1, 10000);
    const retention = validateRetention(args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, field("logRetentionDays"));
    const maxRetries = requireIntegerInRange(field("maxRetryAttempts"), args.maxRetryAttempts ?? 2, 0, 2);
    const maxEventAge = requireIntegerInRange(field("maxEventAgeSeconds"), args.maxEventAgeSeconds ?? 21600, 60, 21600);
    const dlqRetention = requireIntegerInRange(field("deadLetterRetentionSeconds"), args.deadLetterRetentionSeconds ?? 1209600, 60, 1209600);
    const t = args.transform ?? {};
    const existing = {
        logGroup: existingLogGroupName(
            field("logGroup"),
            args.logGroup,
            { [field("logRetentionDays")]: args.logRetentionDays, [field("transform.logGroup")]: t.logGroup },
            "without a group of its own the function's logs go to one Lambda creates, which never expires",
        ),
        role: existingRoleArn(
            field("role"),
            args.role,
            { [field("transform.role")]: t.role, [field("transform.rolePolicy")]: t.rolePolicy },
            "a Lambda function needs an execution role",
        ),
    };
    return { existing, prefix, suffixes, containerName, platformVersion, strategy, runtime, architecture, memorySize, timeout, reserved, retention, maxRetries, maxEventAge, dlqRetention };
}

type NormalisedLambdaTrigger = ReturnType<typeof normaliseLambdaTriggerArgs>;

/** The handler's environment: what to run, where, and which keys (app/src/trigger/config.ts reads it). */
function triggerEnvironment(args: LambdaTriggerArgs, n: ReturnType<typeof normaliseLambdaTriggerArgs>): Record<string, pulumi.Input<string>> {
    const environment: Record<string, pulumi.Input<string>> = {
        CLUSTER_ARN: args.cluster.clusterArn,
        TASK_DEFINITION_ARN: args.task.taskDefinitionArn,
        CONTAINER_NAME: n.containerName,
        SUBNET_IDS: pulumi.output(args.network.subnetIds).apply((ids) => ids.join(",")),
        SECURITY_GROUP_IDS: pulumi.output(args.network.securityGroupIds).apply((ids) => ids.join(",")),
        ASSIGN_PUBLIC_IP: (args.network.assignPublicIp ?? true) ? "ENABLED" : "DISABLED",
        UPLOAD_PREFIX: n.prefix,
        BUCKET_NAME: args.bucket.bucketName,
    };
    if (n.platformVersion !== undefined) {
        environment.PLATFORM_VERSION = n.platformVersion;
    }
    if (n.strategy.length > 0) {
        environment.CAPACITY_PROVIDER_STRATEGY = JSON.stringify(n.strategy);
    } else {
        environment.LAUNCH_TYPE = "FARGATE";
    }
    if (n.suffixes.length > 0) {
        environment.KEY_SUFFIXES = JSON.stringify(n.suffixes);
    }
    return environment;
}

/**
 * Starts the processor for each upload without EventBridge: the bucket's notification configuration
 * invokes a Lambda function for objects created under the upload prefix (one filter per suffix), and
 * the function calls ecs:RunTask with the object's bucket, key, size, ETag and event time in the
 * container's environment. Failed invocations are retried by Lambda and then sent to an SQS
 * dead-letter queue; the function logs to a log group with retention, and its role can only run this
 * task family on this cluster and pass its two roles.
 */
export class LambdaTrigger extends pulumi.ComponentResource {
    /** The function. */
    public readonly function: aws.lambda.Function;
    /** The function's name. */
    public readonly functionName: pulumi.Output<string>;
    /** The function's ARN. */
    public readonly functionArn: pulumi.Output<string>;
    /** The function's role, when created here (not with `role: { existing }`). */
    public readonly role?: aws.iam.Role;
    /** The ARN of the function's role. */
    public readonly roleArn: pulumi.Output<string>;
    /** The function's log group, when created here (not with `logGroup: { existing }`). */
    public readonly logGroup?: aws.cloudwatch.LogGroup;
    /** The log group's name, `/aws/lambda/<function name>` unless `logGroup: { existing }` names another. */
    public readonly logGroupName: pulumi.Output<string>;
    /** Events whose invocations failed after every retry. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** The dead-letter queue's URL. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The bucket's notification configuration. */
    public readonly notification: aws.s3.BucketNotification;
    /** Alarms by purpose, when `alarmTopicArn` is given. */
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};

    constructor(name: string, args: LambdaTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("events", "LambdaTrigger"), name, {}, opts);
        const n = normaliseLambdaTriggerArgs(name, args);
        const functionName = defaultTriggerFunctionName(name);

        const logs = useOrCreateLogGroup(n.existing.logGroup, () => this.createLogGroup(name, args, functionName, n.retention), this);
        ({ logGroup: this.logGroup, name: this.logGroupName } = logs);
        this.deadLetterQueue = this.createDeadLetterQueue(name, args, n.dlqRetention);
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        let rolePolicy: aws.iam.RolePolicy | undefined;
        ({ role: this.role, arn: this.roleArn } = useOrCreateRole(n.existing.role, () => {
            const created = this.createRole(name, args, logs.arn);
            rolePolicy = created.policy;
            return created.role;
        }));
        // The log group exists (with its retention) before the function can write, and the role can
        // start tasks before the first event arrives.
        const ready = [...(this.logGroup ? [this.logGroup] : []), ...(rolePolicy ? [rolePolicy] : [])];
        this.function = this.createFunction(name, args, n, functionName, ready);
        this.functionName = this.function.name;
        this.functionArn = this.function.arn;
        this.createInvokeConfig(name, args, n, rolePolicy ? [rolePolicy] : []);
        this.notification = this.createNotification(name, args, n);
        if (args.alarmTopicArn !== undefined) {
            this.createAlarms(name, args.alarmTopicArn, args.transform);
        }

        this.registerOutputs({
            functionName: this.functionName,
            functionArn: this.functionArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            logGroupName: this.logGroupName,
        });
    }

    private createLogGroup(name: string, args: LambdaTriggerArgs, functionName: string, retentionInDays: number): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            applyTransform<aws.cloudwatch.LogGroupArgs>({ name: `/aws/lambda/${functionName}`, retentionInDays }, args.transform?.logGroup),
            { parent: this },
        );
    }

    /** SSE-SQS, TLS only; the function's role sends to it (the on-failure destination). */
    private createDeadLetterQueue(name: string, args: LambdaTriggerArgs, retentionSeconds: number): aws.sqs.Queue {
        const queue = new aws.sqs.Queue(
            `${name}-dlq`,
            applyTransform<aws.sqs.QueueArgs>({ sqsManagedSseEnabled: true, messageRetentionSeconds: retentionSeconds }, args.transform?.deadLetterQueue),
            { parent: this },
        );
        new aws.sqs.QueuePolicy(...transformed(args.transform?.deadLetterQueuePolicy, `${name}-dlq-policy`, {
            queueUrl: queue.url,
            policy: queue.arn.apply((queueArn) =>
                JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("sqs:*", [queueArn])] } satisfies PolicyDocument),
            ),
        }, { parent: this }));
        return queue;
    }

    /** Trusted by Lambda; may write its logs, run the task family on the cluster, pass its two roles and dead-letter. */
    private createRole(name: string, args: LambdaTriggerArgs, logGroupArn: pulumi.Output<string>): { role: aws.iam.Role; policy: aws.iam.RolePolicy } {
        const role = new aws.iam.Role(
            `${name}-role`,
            applyTransform<aws.iam.RoleArgs>({
                description: "Upload trigger: start the processor task for each upload, write its logs, dead-letter failed events",
                assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
            }, args.transform?.role),
            { parent: this },
        );
        const policy = new aws.iam.RolePolicy(...transformed(args.transform?.rolePolicy, `${name}-policy`, {
            role: role.id,
            policy: pulumi
                .all([logGroupArn, args.task.taskDefinitionArn, args.cluster.clusterArn, args.task.executionRoleArn, args.task.taskRoleArn, this.deadLetterQueue.arn])
                .apply(([logGroup, taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn, deadLetterQueueArn]) =>
                    JSON.stringify(triggerRolePolicy({ logGroupArn: logGroup, taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn, deadLetterQueueArn })),
                ),
        }, { parent: this }));
        return { role, policy };
    }

    private createFunction(name: string, args: LambdaTriggerArgs, n: NormalisedLambdaTrigger, functionName: string, dependsOn: pulumi.Resource[]): aws.lambda.Function {
        return new aws.lambda.Function(
            `${name}-function`,
            applyTransform<aws.lambda.FunctionArgs>({
                name: functionName,
                description: `Starts the processor task for each object created under ${n.prefix}`,
                runtime: n.runtime,
                architectures: [n.architecture],
                handler: "handler.handler",
                code: lambdaCode("trigger"),
                role: this.roleArn,
                memorySize: n.memorySize,
                timeout: n.timeout,
                reservedConcurrentExecutions: n.reserved,
                loggingConfig: { logFormat: "Text", logGroup: this.logGroupName },
                environment: { variables: triggerEnvironment(args, n) },
            }, args.transform?.function),
            { parent: this, dependsOn },
        );
    }

    /** Lambda's retries, then the dead-letter queue. */
    private createInvokeConfig(name: string, args: LambdaTriggerArgs, n: NormalisedLambdaTrigger, dependsOn: pulumi.Resource[]): void {
        new aws.lambda.FunctionEventInvokeConfig(
            `${name}-invoke-config`,
            applyTransform<aws.lambda.FunctionEventInvokeConfigArgs>({
                functionName: this.function.name,
                maximumRetryAttempts: n.maxRetries,
                maximumEventAgeInSeconds: n.maxEventAge,
                destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
            }, args.transform?.invokeConfig),
            { parent: this, dependsOn },
        );
    }

    /** The bucket's notification configuration (one filter per suffix), once S3 may invoke the function. */
    private createNotification(name: string, args: LambdaTriggerArgs, n: NormalisedLambdaTrigger): aws.s3.BucketNotification {
        const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const permission = new aws.lambda.Permission(...transformed(args.transform?.permission, `${name}-allow-s3`, {
            action: "lambda:InvokeFunction",
            function: this.function.name,
            principal: "s3.amazonaws.com",
            sourceArn: args.bucket.bucketArn,
            sourceAccount: accountId,
        }, { parent: this }));
        const filters = n.suffixes.length === 0 ? [undefined] : n.suffixes;
        return new aws.s3.BucketNotification(
            `${name}-notifications`,
            applyTransform<aws.s3.BucketNotificationArgs>({
                bucket: args.bucket.bucketName,
                lambdaFunctions: filters.map((suffix) => ({
                    lambdaFunctionArn: this.function.arn,
                    events: ["s3:ObjectCreated:*"],
                    filterPrefix: n.prefix,
                    ...(suffix === undefined ? {} : { filterSuffix: suffix }),
                })),
            }, args.transform?.notification),
            // S3 checks that it may invoke the function when the configuration is saved.
            { parent: this, dependsOn: [permission] },
        );
    }

    private createAlarms(name: string, topicArn: pulumi.Input<string>, transform: LambdaTriggerArgs["transform"]): void {
        const alarm = (id: string, description: string, namespace: string, metricName: string, dimensions: Record<string, pulumi.Input<string>>, statistic: "Sum" | "Maximum") =>
            new aws.cloudwatch.MetricAlarm(
                ...transformed(transform?.alarm, `${name}-${id}`, aboveThresholdAlarm({ description, namespace, metricName, dimensions, statistic, topics: [topicArn] }), { parent: this }),
            );
        this.alarms.errors = alarm(
            "errors",
            "The upload trigger failed to start a task (RunTask rejected or unreachable, bad configuration); Lambda retries, then dead-letters",
            "AWS/Lambda", "Errors", { FunctionName: this.function.name }, "Sum",
        );
        this.alarms.deadLetters = alarm(
            "dead-letters",
            "Upload events whose task could not be started after every retry are waiting in the trigger's dead-letter queue",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.deadLetterQueue.name }, "Maximum",
        );
    }
}
