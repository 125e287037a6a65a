/**
 * IAM and resource-policy documents, as plain objects. Components wire them to resources with
 * `pulumi.jsonStringify`; tests, the policy packs and the IAM simulator read the same objects.
 *
 * Every statement is scoped to the resources of one pipeline; the only `*` resource is on
 * `ecr:GetAuthorizationToken`, which has no resource-level scoping.
 */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    Principal?: "*" | { Service?: string | string[]; AWS?: string | string[] };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

/** A policy document (version 2012-10-17) of the statements. */
export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Makes text literal inside an IAM resource ARN or a StringLike value: `*`, `?` and `$` are policy
 * wildcards/variables there, and `${*}`, `${?}`, `${$}` are their literal forms.
 */
export function iamLiteral(text: string): string {
    return text.replace(/[$*?]/g, (c) => `\${${c}}`);
}

// Trust policies: exactly the trust AWS documents for each role the components create. AWS publishes
// no complete list of the services that send aws:SourceArn / aws:SourceAccount when they assume a
// role, so a condition appears only where the service's own page shows it; a condition a service
// does not send would stop the role from ever being assumed.

function serviceTrust(service: string, condition?: ConditionBlock): PolicyDocument {
    return policyDocument({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) });
}

/**
 * The ECS task execution role's trust, as documented: `ecs-tasks.amazonaws.com`, no conditions (the
 * confused-deputy conditions AWS documents are for the task role, not this one).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
 */
export function ecsTaskExecutionTrustPolicy(): PolicyDocument {
    return serviceTrust("ecs-tasks.amazonaws.com");
}

/**
 * The ECS task role's trust, as documented: `ecs-tasks.amazonaws.com`, for ECS resources of this
 * account and region (`ArnLike aws:SourceArn arn:<partition>:ecs:<region>:<account>:*`,
 * `StringEquals aws:SourceAccount`).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
 */
export function ecsTaskTrustPolicy(args: { partition: string; region: string; account: string }): PolicyDocument {
    return serviceTrust("ecs-tasks.amazonaws.com", {
        ArnLike: { "aws:SourceArn": `arn:${args.partition}:ecs:${args.region}:${args.account}:*` },
        StringEquals: { "aws:SourceAccount": args.account },
    });
}

/**
 * A Lambda function's execution role trust, as documented: `lambda.amazonaws.com`, no conditions.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
 */
export function lambdaTrustPolicy(): PolicyDocument {
    return serviceTrust("lambda.amazonaws.com");
}

/**
 * The role an EventBridge rule's target assumes: `events.amazonaws.com`, for this rule of this
 * account ("For EventBridge event bus rule targets, the value of aws:SourceArn must be the rule ARN").
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/cross-service-confused-deputy-prevention.html
 */
export function eventBridgeTargetTrustPolicy(args: { account: string; ruleArn: string }): PolicyDocument {
    return serviceTrust("events.amazonaws.com", {
        ArnLike: { "aws:SourceArn": args.ruleArn },
        StringEquals: { "aws:SourceAccount": args.account },
    });
}

/**
 * A schedule's execution role trust: `scheduler.amazonaws.com`, for schedules of one schedule group
 * of this account. Scheduler presents the schedule group, not the schedule, as `aws:SourceArn` ("Do
 * not scope the aws:SourceArn statement to a specific schedule or a schedule name prefix"), so a
 * narrower ARN would stop the role from being assumed.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html
 */
export function schedulerTrustPolicy(args: { account: string; scheduleGroupArn: string }): PolicyDocument {
    return serviceTrust("scheduler.amazonaws.com", {
        ArnLike: { "aws:SourceArn": args.scheduleGroupArn },
        StringEquals: { "aws:SourceAccount": args.account },
    });
}

export interface TaskRolePolicyArgs {
    bucketArn: string;
    uploadPrefix: string;
    outputPrefix: string;
    statusPrefix: string;
    /** The bucket's KMS key and region, when it is encrypted with a customer managed key. */
    kms?: { keyArn: string; region: string };
    /**
     * Byte-range shards (docs/sharding.md): the prefix the shards keep their partials under (read,
     * write, list and delete there only), and, on ECS, what the coordinator needs to start shards of
     * its own task definition on its own cluster (a Kubernetes Indexed Job starts nothing).
     */
    sharding?: { partialsPrefix: string; launch?: TargetRolePolicyArgs };
}

/**
 * What the processor may do: read objects under the upload prefix and write (and abort multipart
 * uploads of) objects under the output and status prefixes of one bucket; read its own status
 * documents (to skip a duplicate event for a version it already processed, and to count attempts).
 * Listing is limited to the upload and status prefixes, so a missing key there reads as NoSuchKey
 * rather than AccessDenied. Nothing else: no delete, no other prefix, no other bucket.
 */
export function taskRolePolicy(args: TaskRolePolicyArgs): PolicyDocument {
    const objects = (prefix: string) => `${args.bucketArn}/${iamLiteral(prefix)}*`;
    const statements: PolicyStatement[] = [
        { Sid: "ReadUploadsAndStatus", Effect: "Allow", Action: "s3:GetObject", Resource: [objects(args.uploadPrefix), objects(args.statusPrefix)] },
        {
            Sid: "ListUploadsAndStatus",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: args.bucketArn,
            Condition: { StringLike: { "s3:prefix": [`${iamLiteral(args.uploadPrefix)}*`, `${iamLiteral(args.statusPrefix)}*`] } },
        },
        {
            Sid: "WriteResults",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
            Resource: [objects(args.outputPrefix), objects(args.statusPrefix)],
        },
    ];
    if (args.sharding !== undefined) {
        const partials = args.sharding.partialsPrefix;
        statements.push(
            { Sid: "ShardPartials", Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: objects(partials) },
            { Sid: "ListShardPartials", Effect: "Allow", Action: "s3:ListBucket", Resource: args.bucketArn, Condition: { StringLike: { "s3:prefix": `${iamLiteral(partials)}*` } } },
            ...(args.sharding.launch === undefined ? [] : runTaskStatements(args.sharding.launch)),
        );
    }
    if (args.kms !== undefined) {
        statements.push({
            Sid: "UseBucketKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: args.kms.keyArn,
            Condition: { StringEquals: { "kms:ViaService": `s3.${args.kms.region}.amazonaws.com` } },
        });
    }
    return policyDocument(...statements);
}

export interface ExecutionRolePolicyArgs {
    /** ARN of the task's log group (without the trailing `:*`). */
    logGroupArn: string;
    /** ARN of the ECR repository the image is pulled from, when it is in ECR. */
    repositoryArn?: string;
}

/** What ECS needs to start the task: pull the image from one repository and write to one log group. */
export function executionRolePolicy(args: ExecutionRolePolicyArgs): PolicyDocument {
    const statements: PolicyStatement[] = [];
    if (args.repositoryArn !== undefined) {
        statements.push(
            // GetAuthorizationToken has no resource-level scoping; `*` is the only valid resource.
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            {
                Sid: "PullImage",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                Resource: args.repositoryArn,
            },
        );
    }
    statements.push({
        Sid: "WriteLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: `${args.logGroupArn}:*`,
    });
    return policyDocument(...statements);
}

export interface TargetRolePolicyArgs {
    /** ARN of the task definition (any revision); the policy allows every revision of its family. */
    taskDefinitionArn: string;
    clusterArn: string;
    executionRoleArn: string;
    taskRoleArn: string;
}

/** `arn:…:task-definition/family:3` → `arn:…:task-definition/family:*`. */
export function taskDefinitionFamilyArn(taskDefinitionArn: string): string {
    return taskDefinitionArn.replace(/:\d+$/, "") + ":*";
}

/** `arn:…:cluster/name` → `arn:…:task/name/*`, the ARNs of the tasks the cluster runs. */
export function clusterTaskArns(clusterArn: string): string {
    return clusterArn.replace(/:cluster\/([^/]+)$/, ":task/$1/*");
}

/**
 * ecs:RunTask on every revision of one task definition family, only in one cluster (`ecs:cluster`),
 * and iam:PassRole on exactly the task's two roles, only to ECS tasks (`iam:PassedToService`).
 * - RunTask's resource is the task definition, `ecs:cluster` its condition key:
 *   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
 * - Starting a task with a task role and an execution role needs iam:PassRole on both:
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html,
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html (iam:PassedToService).
 */
export function runTaskStatements(args: TargetRolePolicyArgs): PolicyStatement[] {
    return [
        {
            Sid: "RunTask",
            Effect: "Allow",
            Action: "ecs:RunTask",
            Resource: taskDefinitionFamilyArn(args.taskDefinitionArn),
            Condition: { ArnEquals: { "ecs:cluster": args.clusterArn } },
        },
        {
            Sid: "PassTaskRoles",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: [args.executionRoleArn, args.taskRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
    ];
}

/**
 * The EventBridge target role: run this task family on this cluster, pass exactly its two roles to
 * ECS tasks, and tag the tasks it starts (needed when tags are propagated).
 */
export function targetRolePolicy(args: TargetRolePolicyArgs): PolicyDocument {
    return policyDocument(
        ...runTaskStatements(args),
        {
            Sid: "TagStartedTasks",
            Effect: "Allow",
            Action: "ecs:TagResource",
            Resource: clusterTaskArns(args.clusterArn),
            Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
        },
    );
}

/**
 * A resource-policy statement: `service` may do `action` on `resource`, only on behalf of `sourceArn`
 * (an `aws:SourceArn` ArnEquals condition, so no other rule or account can use the grant).
 */
export function serviceForSourceStatement(sid: string, service: string, action: string, resource: string, sourceArn: string): PolicyStatement {
    return { Sid: sid, Effect: "Allow", Principal: { Service: service }, Action: action, Resource: resource, Condition: { ArnEquals: { "aws:SourceArn": sourceArn } } };
}

/** Queue policy of a rule's dead-letter queue: only EventBridge, only for this rule, only over TLS. */
export function deadLetterQueuePolicy(args: { queueArn: string; ruleArn: string }): PolicyDocument {
    return policyDocument(
        serviceForSourceStatement("EventBridgeDeadLetters", "events.amazonaws.com", "sqs:SendMessage", args.queueArn, args.ruleArn),
        denyInsecureTransport("sqs:*", [args.queueArn]),
    );
}

/** A Deny of every request that is not over TLS. */
export function denyInsecureTransport(action: string, resources: string[]): PolicyStatement {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resources,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}

/** Bucket policy: deny every request that is not over TLS. */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
    return policyDocument(denyInsecureTransport("s3:*", [bucketArn, `${bucketArn}/*`]));
}

/**
 * The ECR repository ARN of an image URI such as
 * `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/processor:1.4` (tag or digest optional);
 * undefined for images outside ECR private registries.
 */
export function ecrRepositoryArnFromImage(imageUri: string): string | undefined {
    const m = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)(?:[:@].*)?$/.exec(imageUri);
    if (!m) {
        return undefined;
    }
    const [, account, region, china, repository] = m;
    const partition = china ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}
