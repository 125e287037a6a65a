/**
 * The IAM documents of the three roles GitHub Actions assumes through OIDC: a read-only preview role
 * (pull requests), a deploy role (main branch and the `production` environment) and a smoke-check
 * role (`npm run smoke` after the dev deploy, main branch). Pure functions
 * returning plain objects; `render.ts` writes them as JSON, and tests/workflows-role-*.test.ts run the
 * least-privilege-iam policy pack and an IAM simulator over them.
 *
 * Scope: every resource the program creates is named by Pulumi's auto-naming, `<logical name>-<7
 * random characters>`, so each statement names the logical-name prefixes listed in
 * `PROGRAM_SCOPE`. Resources whose IDs AWS generates and that carry no name (VPC pieces, KMS keys)
 * are scoped to the account and region; actions AWS defines only on `*` use `*`.
 */
import { PROJECT } from "../../components/builders/contracts";

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: { Federated: string };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: ConditionBlock;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

/** A service the program's roles are handed to. */
export type RoleService = "ecs-tasks.amazonaws.com" | "events.amazonaws.com" | "lambda.amazonaws.com" | "scheduler.amazonaws.com";

/** A role the program creates, by name prefix, and the services it is passed to. */
export interface ProgramRole {
    /** Name prefix, e.g. `processor-task-role-` (Pulumi appends 7 random characters). */
    prefix: string;
    /** The service principals `iam:PassRole` may hand it to. */
    passedTo: RoleService[];
}

/**
 * What the program creates, as name prefixes per kind of resource. An empty list leaves the
 * service out of both roles entirely.
 */
export interface ProgramScope {
    /** S3 bucket name prefixes. */
    buckets: string[];
    /** ECR repository name prefixes. */
    repositories: string[];
    /** ECS cluster name prefixes. */
    clusters: string[];
    /** ECS task definition family prefixes. */
    taskFamilies: string[];
    /** ECS service name prefixes (services run in the clusters above; enables Application Auto Scaling). */
    services: string[];
    /** IAM roles. */
    roles: ProgramRole[];
    /** SQS queue name prefixes. */
    queues: string[];
    /** SNS topic name prefixes. */
    topics: string[];
    /** EventBridge rule name prefixes (default event bus). */
    rules: string[];
    /** EventBridge Scheduler schedules: `<group>/<name prefix>`, where a group of `*` matches any group. */
    schedules: string[];
    /** CloudWatch alarm name prefixes. */
    alarms: string[];
    /** CloudWatch dashboard name prefixes. */
    dashboards: string[];
    /** CloudWatch Logs log group name prefixes. */
    logGroups: string[];
    /** Lambda function name prefixes. */
    functions: string[];
    /** Secrets Manager secret name prefixes. */
    secrets: string[];
    /** The program creates a VPC with subnets, an internet gateway, a route table and security groups. */
    vpc: boolean;
    /** The program creates KMS keys (keys have generated IDs and no names). */
    kmsKeys: boolean;
    /** The program saves CloudWatch Logs Insights queries (AWS defines these actions only on `*`). */
    queryDefinitions: boolean;
}

/** The Pulumi project; explicitly named resources (task families, log groups, the dashboard, the notifier) start with it. */
export { PROJECT };

/** The roles GitHub Actions assumes; the deploy role may never change them. */
export const CI_ROLE_NAMES = { preview: `${PROJECT}-github-preview`, deploy: `${PROJECT}-github-deploy`, smoke: `${PROJECT}-github-smoke` } as const;

/**
 * What `npm run smoke` names in a deployed stack (app/src/notifier/smoke.ts, app/src/smoke): its files
 * live in a `smoke-check` (or `smoke-check-slack`) folder under the upload prefix, with their status and
 * summary documents in the same folder under the other prefixes; its temporary queue's name starts
 * with `smoke-check-`.
 */
export const SMOKE_SCOPE = { objectFolders: ["smoke-check", "smoke-check-slack"], queuePrefix: "smoke-check-" } as const;

/**
 * What index.ts creates, for every trigger and option its stack config offers except `kubernetes`
 * (component instances `uploads`, `network`, `processing`, `processor`, `on-upload` — the EventBridge
 * rule or the Lambda trigger —, `queue-worker`, `catch-up`, `monitoring`).
 */
export const PROGRAM_SCOPE: ProgramScope = {
    buckets: ["uploads-bucket-"],
    repositories: ["processor-repository-"],
    clusters: ["processing-cluster-"],
    taskFamilies: [`${PROJECT}-`],
    services: [`${PROJECT}-`],
    roles: [
        { prefix: "processor-execution-role-", passedTo: ["ecs-tasks.amazonaws.com"] },
        { prefix: "processor-task-role-", passedTo: ["ecs-tasks.amazonaws.com"] },
        { prefix: "queue-worker-processor-execution-role-", passedTo: ["ecs-tasks.amazonaws.com"] },
        { prefix: "queue-worker-processor-task-role-", passedTo: ["ecs-tasks.amazonaws.com"] },
        // The upload rule's target role (trigger eventbridge) or the trigger function's role (trigger lambda).
        { prefix: "on-upload-role-", passedTo: ["events.amazonaws.com", "lambda.amazonaws.com"] },
        { prefix: "catch-up-role-", passedTo: ["scheduler.amazonaws.com"] },
        { prefix: "monitoring-notifier-role-", passedTo: ["lambda.amazonaws.com"] },
    ],
    queues: ["on-upload-dlq-", "queue-worker-", "catch-up-dlq-", "monitoring-notifier-dlq-", "monitoring-task-failed-dlq-"],
    // The alert topic is named `<project>-<stack>-monitoring-alerts` (its key policy names it before it exists).
    topics: [`${PROJECT}-`],
    rules: ["on-upload-rule-", "queue-worker-feed-rule-", "monitoring-task-failed-"],
    schedules: ["*/catch-up-schedule-"],
    alarms: ["on-upload-", "queue-worker-", "catch-up-", "monitoring-"],
    dashboards: [`${PROJECT}-`],
    logGroups: [`/ecs/${PROJECT}-`, `/aws/lambda/${PROJECT}-`],
    functions: [`${PROJECT}-`],
    secrets: ["monitoring-slack-webhook-"],
    vpc: true,
    kmsKeys: true,
    queryDefinitions: true,
};

/** Where the documents apply. Values may be placeholders such as `${AWS_ACCOUNT_ID}` (see render.ts). */
export interface Target {
    /** AWS account ID (12 digits). */
    account: string;
    /** The stacks' region (`aws:region` in Pulumi.<stack>.yaml). */
    region: string;
    /** `owner/name` of the GitHub repository whose workflows may assume the roles. */
    repository: string;
}

/** GitHub's OIDC issuer, as IAM names it in condition keys. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The `sub` claims (after `repo:<owner>/<name>:`) each role accepts. */
export const TRUSTED_SUBJECTS = {
    preview: ["pull_request"],
    deploy: ["ref:refs/heads/main", "environment:production"],
    // The smoke check runs in the dev deploy job only.
    smoke: ["ref:refs/heads/main"],
} as const;

function doc(statements: (Statement | undefined)[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements.filter((s): s is Statement => s !== undefined) };
}

/** A statement, or none when it would name no resource. */
function allow(sid: string, actions: string[], resources: string[], condition?: ConditionBlock): Statement | undefined {
    if (resources.length === 0) {
        return undefined;
    }
    return {
        Sid: sid,
        Effect: "Allow",
        Action: actions.length === 1 ? actions[0] : actions,
        Resource: resources.length === 1 ? resources[0] : resources,
        ...(condition ? { Condition: condition } : {}),
    };
}

/** ARNs of the program's resources, by kind. */
function arns(t: Target, s: ProgramScope) {
    const regional = (service: string, resource: string) => `arn:aws:${service}:${t.region}:${t.account}:${resource}`;
    const ec2 = (kinds: string[]) => (s.vpc ? kinds.map((k) => regional("ec2", `${k}/*`)) : []);
    return {
        buckets: s.buckets.map((p) => `arn:aws:s3:::${p}*`),
        objects: s.buckets.map((p) => `arn:aws:s3:::${p}*/*`),
        repositories: s.repositories.map((p) => regional("ecr", `repository/${p}*`)),
        clusters: s.clusters.map((p) => regional("ecs", `cluster/${p}*`)),
        taskDefinitions: s.clusters.length > 0 ? s.taskFamilies.map((p) => regional("ecs", `task-definition/${p}*`)) : [],
        services: s.services.flatMap((svc) => s.clusters.map((c) => regional("ecs", `service/${c}*/${svc}*`))),
        roles: s.roles.map((r) => `arn:aws:iam::${t.account}:role/${r.prefix}*`),
        queues: s.queues.map((p) => regional("sqs", `${p}*`)),
        topics: s.topics.map((p) => regional("sns", `${p}*`)),
        rules: s.rules.map((p) => regional("events", `rule/${p}*`)),
        schedules: s.schedules.map((p) => regional("scheduler", `schedule/${p}*`)),
        alarms: [
            ...s.alarms.map((p) => regional("cloudwatch", `alarm:${p}*`)),
            // Target tracking policies create their alarms under this name.
            ...(s.services.length > 0 ? s.clusters.map((c) => regional("cloudwatch", `alarm:TargetTracking-service/${c}*`)) : []),
        ],
        dashboards: s.dashboards.map((p) => `arn:aws:cloudwatch::${t.account}:dashboard/${p}*`),
        logGroups: s.logGroups.map((p) => regional("logs", `log-group:${p}*`)),
        functions: s.functions.map((p) => regional("lambda", `function:${p}*`)),
        secrets: s.secrets.map((p) => regional("secretsmanager", `secret:${p}*`)),
        keys: s.kmsKeys ? [regional("kms", "key/*")] : [],
        scalableTargets: s.services.length > 0 ? [regional("application-autoscaling", "scalable-target/*")] : [],
        network: ec2(["vpc", "subnet", "internet-gateway", "route-table", "security-group"]),
    };
}

function passedTo(s: ProgramScope, t: Target): Map<string, string[]> {
    const byService = new Map<string, string[]>();
    for (const role of s.roles) {
        for (const service of role.passedTo) {
            byService.set(service, [...(byService.get(service) ?? []), `arn:aws:iam::${t.account}:role/${role.prefix}*`]);
        }
    }
    return byService;
}

/** Statement ID for passing roles to a service: `PassRolesToEcsTasks`. */
function passSid(service: string): string {
    const name = service.replace(/\.amazonaws\.com$/, "").split(/[-.]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
    return `PassRolesTo${name}`;
}

/**
 * What `pulumi preview --refresh` reads: describe/get/list on the program's resources, nothing that
 * changes anything and no object contents. Also attached to the deploy role.
 */
export function previewPolicy(t: Target, s: ProgramScope = PROGRAM_SCOPE): PolicyDocument {
    const a = arns(t, s);
    const anyService = s.services.length > 0;
    return doc([
        allow(
            "ReadBuckets",
            ["s3:GetBucket*", "s3:GetAccelerateConfiguration", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration", "s3:ListBucket"],
            a.buckets,
        ),
        allow(
            "ReadRepositories",
            ["ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:ListTagsForResource", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            a.repositories,
        ),
        allow("ReadEcs", ["ecs:DescribeClusters", "ecs:ListTagsForResource"], [...a.clusters, ...a.taskDefinitions, ...a.services]),
        allow("ReadServices", ["ecs:DescribeServices"], a.services),
        allow("ReadRoles", ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListRoleTags"], a.roles),
        allow("ReadRules", ["events:DescribeRule", "events:ListTargetsByRule", "events:ListTagsForResource"], a.rules),
        allow("ReadSchedules", ["scheduler:GetSchedule"], a.schedules),
        allow("ReadQueues", ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags"], a.queues),
        allow("ReadTopics", ["sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic", "sns:ListTagsForResource"], a.topics),
        allow("ReadKeys", ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"], a.keys),
        allow("ReadLogGroups", ["logs:ListTagsForResource", "logs:ListTagsLogGroup"], a.logGroups),
        allow("ReadAlarms", ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"], a.alarms),
        allow("ReadDashboards", ["cloudwatch:GetDashboard"], a.dashboards),
        allow(
            "ReadFunctions",
            [
                "lambda:GetFunction",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:GetFunctionConcurrency",
                "lambda:GetFunctionConfiguration",
                "lambda:GetFunctionEventInvokeConfig",
                "lambda:GetPolicy",
                "lambda:GetRuntimeManagementConfig",
                "lambda:ListTags",
                "lambda:ListVersionsByFunction",
            ],
            a.functions,
        ),
        // Refreshing a SecretVersion reads its value; the preview decrypts the same value from the stack config anyway.
        allow("ReadSecrets", ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds"], a.secrets),
        allow("ReadScalableTargets", ["application-autoscaling:ListTagsForResource"], a.scalableTargets),
        // AWS defines these only on "*" (ec2:Describe* is read-only and accepted by the pack's default config).
        allow(
            "DescribeWithoutResourceScope",
            [
                ...(s.repositories.length > 0 ? ["ecr:GetAuthorizationToken"] : []),
                ...(s.clusters.length > 0 ? ["ecs:DescribeTaskDefinition"] : []),
                "ec2:Describe*",
                ...(s.logGroups.length > 0 ? ["logs:DescribeLogGroups"] : []),
                ...(s.queryDefinitions ? ["logs:DescribeQueryDefinitions"] : []),
                ...(anyService ? ["application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"] : []),
            ],
            ["*"],
        ),
    ]);
}

/*
 * What `pulumi up` changes, on top of `previewPolicy` (the deploy role has all three documents):
 * create, update and delete the program's resources, push its image, and pass each of its roles to
 * the services that use it. No data-plane access: no s3:GetObject, no ecs:RunTask, no
 * lambda:InvokeFunction. Split in two so that each fits a managed policy (6,144 characters).
 */

/** Images, ECS clusters, task definitions and services (and their scaling), IAM roles (and passing them), the VPC. */
export function deployComputePolicy(t: Target, s: ProgramScope = PROGRAM_SCOPE): PolicyDocument {
    const a = arns(t, s);
    const passes = [...passedTo(s, t)].map(([service, roles]) => allow(passSid(service), ["iam:PassRole"], roles, { StringEquals: { "iam:PassedToService": service } }));
    return doc([
        allow(
            "ManageRepositoriesAndPushImages",
            [
                "ecr:BatchDeleteImage",
                "ecr:CompleteLayerUpload",
                "ecr:CreateRepository",
                "ecr:DeleteLifecyclePolicy",
                "ecr:DeleteRepository",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:PutLifecyclePolicy",
                "ecr:UploadLayerPart",
            ],
            a.repositories,
        ),
        allow("ManageClusters", ["ecs:CreateCluster", "ecs:DeleteCluster", "ecs:PutClusterCapacityProviders", "ecs:UpdateCluster", "ecs:UpdateClusterSettings"], a.clusters),
        allow("RegisterTaskDefinitions", ["ecs:RegisterTaskDefinition"], a.taskDefinitions),
        // AWS defines deregistration only on "*".
        allow("DeregisterTaskDefinitions", ["ecs:DeregisterTaskDefinition"], a.taskDefinitions.length > 0 ? ["*"] : []),
        allow("ManageServices", ["ecs:CreateService", "ecs:DeleteService", "ecs:UpdateService"], a.services),
        allow(
            "ManageEcsServiceScaling",
            ["application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy", "application-autoscaling:RegisterScalableTarget"],
            a.scalableTargets,
            { StringEquals: { "application-autoscaling:service-namespace": "ecs", "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount" } },
        ),
        allow(
            "ManageRoles",
            [
                "iam:CreateRole",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:ListInstanceProfilesForRole",
                "iam:PutRolePolicy",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
                "iam:UpdateRoleDescription",
            ],
            a.roles,
        ),
        ...passes,
        allow(
            "CreateServiceLinkedRoles",
            ["iam:CreateServiceLinkedRole"],
            [
                ...(s.clusters.length > 0 ? [`arn:aws:iam::${t.account}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`] : []),
                ...(s.services.length > 0 ? [`arn:aws:iam::${t.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`] : []),
            ],
            {
                StringEquals: {
                    "iam:AWSServiceName": [
                        ...(s.clusters.length > 0 ? ["ecs.amazonaws.com"] : []),
                        ...(s.services.length > 0 ? ["ecs.application-autoscaling.amazonaws.com"] : []),
                    ],
                },
            },
        ),
        // VPC pieces get generated IDs and no names, so they are scoped to the account and region.
        // There is no ec2:AuthorizeSecurityGroupIngress: the program's groups take no inbound traffic.
        allow(
            "ManageVpc",
            [
                "ec2:AssociateRouteTable",
                "ec2:AttachInternetGateway",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:CreateInternetGateway",
                "ec2:CreateRoute",
                "ec2:CreateRouteTable",
                "ec2:CreateSecurityGroup",
                "ec2:CreateSubnet",
                "ec2:CreateVpc",
                "ec2:DeleteInternetGateway",
                "ec2:DeleteRoute",
                "ec2:DeleteRouteTable",
                "ec2:DeleteSecurityGroup",
                "ec2:DeleteSubnet",
                "ec2:DeleteVpc",
                "ec2:DetachInternetGateway",
                "ec2:DisassociateRouteTable",
                "ec2:ModifySubnetAttribute",
                "ec2:ModifyVpcAttribute",
                "ec2:ReplaceRoute",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            a.network,
        ),
        {
            Sid: "NeverChangeTheCiRoles",
            Effect: "Deny",
            Action: "iam:*",
            Resource: Object.values(CI_ROLE_NAMES).map((n) => `arn:aws:iam::${t.account}:role/${n}`),
        },
    ]);
}

/** The bucket, queues, topics, rules, schedules, functions, secrets, keys, log groups, alarms and dashboards. */
export function deployPipelinePolicy(t: Target, s: ProgramScope = PROGRAM_SCOPE): PolicyDocument {
    const a = arns(t, s);
    const viaServices = ["s3", "sqs", "sns", "secretsmanager"].map((svc) => `${svc}.${t.region}.amazonaws.com`);
    return doc([
        allow(
            "ManageBuckets",
            [
                "s3:CreateBucket",
                "s3:DeleteBucket",
                "s3:DeleteBucketPolicy",
                "s3:ListBucketVersions",
                "s3:PutBucketNotification",
                "s3:PutBucketOwnershipControls",
                "s3:PutBucketPolicy",
                "s3:PutBucketPublicAccessBlock",
                "s3:PutBucketVersioning",
                "s3:PutEncryptionConfiguration",
                "s3:PutLifecycleConfiguration",
            ],
            a.buckets,
        ),
        // forceDestroy empties the bucket before deleting it (dev); nothing reads objects.
        allow("EmptyBucketsOnDestroy", ["s3:DeleteObject", "s3:DeleteObjectVersion"], a.objects),
        allow("ManageQueues", ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes"], a.queues),
        allow("ManageTopics", ["sns:CreateTopic", "sns:DeleteTopic", "sns:SetSubscriptionAttributes", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe"], a.topics),
        allow("ManageRules", ["events:DeleteRule", "events:DisableRule", "events:EnableRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets"], a.rules),
        allow("ManageSchedules", ["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:UpdateSchedule"], a.schedules),
        allow(
            "ManageFunctions",
            [
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:DeleteFunctionConcurrency",
                "lambda:DeleteFunctionEventInvokeConfig",
                "lambda:PutFunctionConcurrency",
                "lambda:PutFunctionEventInvokeConfig",
                "lambda:RemovePermission",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:UpdateFunctionEventInvokeConfig",
            ],
            a.functions,
        ),
        // Functions may be invoked by the program's topic, bucket or rules only.
        allow("LetServicesInvokeFunctions", ["lambda:AddPermission"], a.functions, {
            StringEquals: { "lambda:Principal": ["events.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com"] },
        }),
        allow(
            "ManageSecrets",
            ["secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage"],
            a.secrets,
        ),
        // Keys get generated IDs and no names, so they are scoped to the account and region; AWS defines kms:CreateKey only on "*".
        allow("CreateKeys", ["kms:CreateKey"], a.keys.length > 0 ? ["*"] : []),
        allow("ManageKeys", ["kms:DisableKeyRotation", "kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:UpdateKeyDescription"], a.keys),
        // Only through the services that encrypt the program's data with a customer managed key.
        allow("UseKeysThroughServices", ["kms:Decrypt", "kms:GenerateDataKey"], a.keys, { StringEquals: { "kms:ViaService": viaServices } }),
        allow(
            "ManageLogGroups",
            ["logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy", "logs:DisassociateKmsKey", "logs:PutRetentionPolicy"],
            a.logGroups,
        ),
        // AWS defines these only on "*".
        allow("SaveLogsInsightsQueries", ["logs:DeleteQueryDefinition", "logs:PutQueryDefinition"], s.queryDefinitions ? ["*"] : []),
        allow("ManageAlarms", ["cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm"], a.alarms),
        allow("ManageDashboards", ["cloudwatch:DeleteDashboards", "cloudwatch:PutDashboard"], a.dashboards),
        ...(s.kmsKeys
            ? [
                  {
                      Sid: "NeverBypassKeyPolicyLockoutCheck",
                      Effect: "Deny" as const,
                      Action: ["kms:CreateKey", "kms:PutKeyPolicy"],
                      Resource: "*",
                      Condition: { Bool: { "kms:BypassPolicyLockoutSafetyCheck": "true" } },
                  },
              ]
            : []),
    ]);
}

/**
 * What `npm run smoke` does in a deployed stack, and nothing more: write, read and delete its own
 * objects (every version) in the smoke-check folders, subscribe a temporary queue of its own to the
 * alert topic and read it, read the depth of the program's queues and the rules' metrics. It changes
 * nothing the program deployed, reads no other object and starts no task itself.
 */
export function smokePolicy(t: Target, s: ProgramScope = PROGRAM_SCOPE): PolicyDocument {
    const a = arns(t, s);
    const ownObjects = s.buckets.flatMap((p) => SMOKE_SCOPE.objectFolders.map((folder) => `arn:aws:s3:::${p}*/*${folder}/*`));
    const ownQueues = [`arn:aws:sqs:${t.region}:${t.account}:${SMOKE_SCOPE.queuePrefix}*`];
    return doc([
        allow("OwnSmokeObjects", ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:GetObject", "s3:PutObject"], ownObjects),
        // Listing (limited to the smoke-check folders) makes a status document that is not there yet read as
        // NoSuchKey rather than AccessDenied, and finds every version of the check's objects.
        allow("ListOwnSmokeObjects", ["s3:ListBucket", "s3:ListBucketVersions"], a.buckets, { StringLike: { "s3:prefix": SMOKE_SCOPE.objectFolders.map((folder) => `*${folder}/*`) } }),
        // A bucket encrypted with a customer managed key (bucketKmsKeyArn): through S3 only.
        allow("UseBucketKeyThroughS3", ["kms:Decrypt", "kms:GenerateDataKey"], [`arn:aws:kms:${t.region}:${t.account}:key/*`], { StringEquals: { "kms:ViaService": `s3.${t.region}.amazonaws.com` } }),
        allow("SubscribeOwnQueueToAlerts", ["sns:Subscribe", "sns:Unsubscribe"], a.topics),
        allow(
            "OwnTemporaryQueue",
            ["sqs:CreateQueue", "sqs:DeleteMessage", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SetQueueAttributes"],
            a.topics.length > 0 ? ownQueues : [],
        ),
        allow("ReadDeadLetterDepth", ["sqs:GetQueueAttributes"], a.queues),
        // AWS defines GetMetricData on "*" only (FailedInvocations of the program's rules).
        allow("ReadRuleMetrics", ["cloudwatch:GetMetricData"], a.rules.length > 0 ? ["*"] : []),
    ]);
}

/** Trust of the smoke-check role: the main branch (the dev deploy job). */
export function smokeTrustPolicy(t: Pick<Target, "account" | "repository">): PolicyDocument {
    return githubTrustPolicy(t, TRUSTED_SUBJECTS.smoke);
}

/** Trust policy: GitHub's OIDC tokens for this repository, with the given `sub` claims, for STS only. */
export function githubTrustPolicy(t: Pick<Target, "account" | "repository">, subjects: readonly string[]): PolicyDocument {
    return doc([
        {
            Sid: "GitHubActions",
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${t.account}:oidc-provider/${GITHUB_OIDC_HOST}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
                    [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? `repo:${t.repository}:${subjects[0]}` : subjects.map((s) => `repo:${t.repository}:${s}`),
                },
            },
        },
    ]);
}

/** Trust of the preview role: pull requests of the repository. */
export function previewTrustPolicy(t: Pick<Target, "account" | "repository">): PolicyDocument {
    return githubTrustPolicy(t, TRUSTED_SUBJECTS.preview);
}

/**
 * Trust of the deploy role: the main branch (the dev job) and the `production` environment (the prod
 * job), or one of them when dev and prod live in separate accounts.
 */
export function deployTrustPolicy(t: Pick<Target, "account" | "repository">, subjects: readonly string[] = TRUSTED_SUBJECTS.deploy): PolicyDocument {
    return githubTrustPolicy(t, subjects);
}

/**
 * How the least-privilege-iam pack is configured for the deploy role's documents. A role that
 * deploys roles and functions needs these three actions, which `iam-no-privilege-escalation` lists
 * as escalation paths whatever their Resource; here they are confined to the program's role and
 * function name prefixes, and iam:PassRole is confined by prefix and iam:PassedToService.
 */
export const DEPLOY_POLICY_PACK_CONFIG = {
    "iam-no-privilege-escalation": { allowedActions: ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "lambda:UpdateFunctionCode"] },
} as const;

/**
 * How the least-privilege-iam pack is configured for the smoke-check role's document: like
 * cloudwatch:PutMetricData, cloudwatch:GetMetricData lists an optional `dataset` resource type, but
 * reading metrics names no resource, so "*" is the only Resource that works for it.
 */
export const SMOKE_POLICY_PACK_CONFIG = {
    "iam-no-wildcard-resource": { allowWildcardResource: ["cloudwatch:PutMetricData", "cloudwatch:GetMetricData", "ec2:Describe*"] },
} as const;

/** The documents, by file name (as render.ts writes them beside this file). */
export function documents(t: Target, s: ProgramScope = PROGRAM_SCOPE, deploySubjects: readonly string[] = TRUSTED_SUBJECTS.deploy): Record<string, PolicyDocument> {
    return {
        "trust-policy.json": deployTrustPolicy(t, deploySubjects),
        "preview-trust-policy.json": previewTrustPolicy(t),
        "preview-policy.json": previewPolicy(t, s),
        "deploy-compute-policy.json": deployComputePolicy(t, s),
        "deploy-pipeline-policy.json": deployPipelinePolicy(t, s),
        "smoke-trust-policy.json": smokeTrustPolicy(t),
        "smoke-policy.json": smokePolicy(t, s),
    };
}
