/**
 * The CI roles in an IAM policy simulator (@cloud-copilot/iam-simulate, test-only): the requests
 * `pulumi up` and `pulumi preview --refresh` make for each resource of the program, and a control
 * that shows a denial means something.
 */
import { strict as assert } from "assert";
import { CI_ROLE_NAMES, PROJECT, documents } from "../../deploy/github-oidc-role/policies";
import { ACCOUNT, Recorded } from "../mocks";
import { target } from "./ci-roles";
import { ALLOW_ALL, Context, Outcome, simulateRequest } from "./iam-simulator";


export interface Request {
    action: string;
    resource: string;
    context?: Context;
    /** The resource's own policy, where AWS requires one (a KMS key policy). */
    resourcePolicy?: unknown;
}

function sessionOf(roleName: string): string {
    return `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/github-actions`;
}

export function simulate(principal: string, policies: unknown[], req: Request): Promise<Outcome> {
    return simulateRequest({ principal, policies, ...req });
}

/** The two roles with their documents, rendered for one stack's account and region. */
export function roles(stack: string) {
    const docs = documents(target(stack));
    return {
        preview: { label: "preview role", arn: sessionOf(CI_ROLE_NAMES.preview), policies: [docs["preview-policy.json"]] },
        deploy: { label: "deploy role", arn: sessionOf(CI_ROLE_NAMES.deploy), policies: [docs["preview-policy.json"], docs["deploy-compute-policy.json"], docs["deploy-pipeline-policy.json"]] },
        smoke: { label: "smoke-check role", arn: sessionOf(CI_ROLE_NAMES.smoke), policies: [docs["smoke-policy.json"]] },
    };
}

export type Role = ReturnType<typeof roles>["deploy"];

const ADMIN_POLICIES = [ALLOW_ALL];

/** A denial proves something only if the same request is allowed to an allow-everything principal (each request simulated once: simulateRequest). */
export async function control(req: Request): Promise<void> {
    assert.equal(await simulate(sessionOf("simulated-admin"), ADMIN_POLICIES, req), "Allowed", `control: ${req.action} on ${req.resource} should be allowed to an admin; the denial proves nothing`);
}

/** What a resource of the program needs: `change` only from the deploy role, `read` from both. */
export interface Needs {
    change: Request[];
    read: Request[];
}

export const AUTONAME_SUFFIX = "1a2b3c4";

/**
 * The program's resources as AWS would name them, and the requests `pulumi up` (change) and
 * `pulumi preview --refresh` (read) make for each.
 */
export class Deployment {
    private readonly ec2Ids = new Map<Recorded, string>();

    constructor(
        readonly records: Recorded[],
        readonly region: string,
    ) {}

    private regional(service: string, resource: string): string {
        return `arn:aws:${service}:${this.region}:${ACCOUNT}:${resource}`;
    }

    /** The record a value (an ID, ARN, name or URL another resource received) came from. */
    private from(value: unknown, type: string): Recorded {
        const found = this.records.find((r) => r.type === type && [r.state.id, r.state.arn, r.state.name, r.state.url, r.state.bucket, r.state.repositoryUrl].includes(value));
        assert.ok(found, `no ${type} behind ${JSON.stringify(value)}`);
        return found;
    }

    /** Pulumi's auto-name (`<logical name>-<7 characters>`) unless the program names it. */
    name(r: Recorded): string {
        switch (r.type) {
            case "aws:s3/bucket:Bucket":
                return r.state.bucket;
            case "aws:ecs/taskDefinition:TaskDefinition":
                return r.inputs.family;
            case "aws:cloudwatch/dashboard:Dashboard":
                return r.inputs.dashboardName;
            default:
                return r.inputs.name ?? r.state.name ?? `${r.name}-${AUTONAME_SUFFIX}`;
        }
    }

    private ec2(r: Recorded, kind: string, prefix: string): string {
        if (!this.ec2Ids.has(r)) {
            this.ec2Ids.set(r, `${prefix}-${(this.ec2Ids.size + 1).toString(16).padStart(17, "0")}`);
        }
        return this.regional("ec2", `${kind}/${this.ec2Ids.get(r)}`);
    }

    /** The ARN AWS would give the resource. */
    arn(r: Recorded): string {
        const n = this.name(r);
        switch (r.type) {
            case "aws:s3/bucket:Bucket":
                return `arn:aws:s3:::${n}`;
            case "aws:iam/role:Role":
                return `arn:aws:iam::${ACCOUNT}:role/${n}`;
            case "aws:ecr/repository:Repository":
                return this.regional("ecr", `repository/${n}`);
            case "aws:ecs/cluster:Cluster":
                return this.regional("ecs", `cluster/${n}`);
            case "aws:ecs/taskDefinition:TaskDefinition":
                return this.regional("ecs", `task-definition/${n}:1`);
            case "aws:cloudwatch/eventRule:EventRule":
                return this.regional("events", `rule/${n}`);
            case "aws:sqs/queue:Queue":
                return this.regional("sqs", n);
            case "aws:sns/topic:Topic":
                return this.regional("sns", n);
            case "aws:kms/key:Key":
                return this.regional("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab");
            case "aws:cloudwatch/logGroup:LogGroup":
                return this.regional("logs", `log-group:${n}`);
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return this.regional("cloudwatch", `alarm:${n}`);
            case "aws:cloudwatch/dashboard:Dashboard":
                return `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${n}`;
            case "aws:lambda/function:Function":
                return this.regional("lambda", `function:${n}`);
            case "aws:secretsmanager/secret:Secret":
                return this.regional("secretsmanager", `secret:${n}-AbCdEf`);
            case "aws:scheduler/schedule:Schedule":
                return this.regional("scheduler", `schedule/${r.inputs.groupName ?? "default"}/${n}`);
            case "aws:ec2/vpc:Vpc":
                return this.ec2(r, "vpc", "vpc");
            case "aws:ec2/subnet:Subnet":
                return this.ec2(r, "subnet", "subnet");
            case "aws:ec2/internetGateway:InternetGateway":
                return this.ec2(r, "internet-gateway", "igw");
            case "aws:ec2/routeTable:RouteTable":
                return this.ec2(r, "route-table", "rtb");
            case "aws:ec2/securityGroup:SecurityGroup":
            case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
                return this.ec2(r, "security-group", "sg");
            default:
                throw new Error(`no ARN for ${r.type}`);
        }
    }

    /** The key policy of the program's KMS key, as the program wrote it. */
    keyPolicy(): unknown {
        const key = this.records.find((r) => r.type === "aws:kms/key:Key");
        assert.ok(key, "the program creates a KMS key");
        return typeof key.inputs.policy === "string" ? JSON.parse(key.inputs.policy) : key.inputs.policy;
    }

    private arnOf(value: unknown, type: string): string {
        return this.arn(this.from(value, type));
    }

    private pass(roleArn: unknown, service: string): Request {
        return { action: "iam:PassRole", resource: this.arnOf(roleArn, "aws:iam/role:Role"), context: { "iam:PassedToService": service } };
    }

    /** What each resource needs; undefined for component resources (nothing in AWS). */
    needs(r: Recorded): Needs | undefined {
        const on = (resource: string, ...actions: string[]): Request[] => actions.map((action) => ({ action, resource }));
        const anywhere = (...actions: string[]) => on("*", ...actions);
        const i = r.inputs;
        const bucket = () => this.arnOf(i.bucket, "aws:s3/bucket:Bucket");
        if (r.type.startsWith(`${PROJECT}:`)) {
            return undefined;
        }
        switch (r.type) {
            case "aws:s3/bucket:Bucket": {
                const arn = this.arn(r);
                const empty = i.forceDestroy ? [...on(arn, "s3:ListBucketVersions"), ...on(`${arn}/uploads/day.csv`, "s3:DeleteObject", "s3:DeleteObjectVersion")] : [];
                return { change: [...on(arn, "s3:CreateBucket", "s3:DeleteBucket"), ...empty], read: on(arn, "s3:ListBucket", "s3:GetBucketTagging", "s3:GetBucketAcl", "s3:GetBucketCORS") };
            }
            case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":
                return { change: on(bucket(), "s3:PutBucketPublicAccessBlock"), read: on(bucket(), "s3:GetBucketPublicAccessBlock") };
            case "aws:s3/bucketOwnershipControls:BucketOwnershipControls":
                return { change: on(bucket(), "s3:PutBucketOwnershipControls"), read: on(bucket(), "s3:GetBucketOwnershipControls") };
            case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
                return { change: on(bucket(), "s3:PutEncryptionConfiguration"), read: on(bucket(), "s3:GetEncryptionConfiguration") };
            case "aws:s3/bucketPolicy:BucketPolicy":
                return { change: on(bucket(), "s3:PutBucketPolicy", "s3:DeleteBucketPolicy"), read: on(bucket(), "s3:GetBucketPolicy") };
            case "aws:s3/bucketVersioning:BucketVersioning":
                return { change: on(bucket(), "s3:PutBucketVersioning"), read: on(bucket(), "s3:GetBucketVersioning") };
            case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
                return { change: on(bucket(), "s3:PutLifecycleConfiguration"), read: on(bucket(), "s3:GetLifecycleConfiguration") };
            case "aws:s3/bucketNotification:BucketNotification":
                return { change: on(bucket(), "s3:PutBucketNotification"), read: on(bucket(), "s3:GetBucketNotification") };
            case "aws:ecr/repository:Repository": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "ecr:CreateRepository", "ecr:DeleteRepository", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", ...(i.forceDelete ? ["ecr:BatchDeleteImage"] : [])),
                    read: on(arn, "ecr:DescribeRepositories", "ecr:ListTagsForResource", "ecr:GetRepositoryPolicy"),
                };
            }
            case "aws:ecr/lifecyclePolicy:LifecyclePolicy": {
                const arn = this.arnOf(i.repository, "aws:ecr/repository:Repository");
                return { change: on(arn, "ecr:PutLifecyclePolicy", "ecr:DeleteLifecyclePolicy"), read: on(arn, "ecr:GetLifecyclePolicy") };
            }
            case "docker-build:index:Image": {
                // Pushes to the repository its one tag names (`<repositoryUrl>:<content tag>`).
                const arn = this.arnOf(String(i.tags[0]).replace(/:[^:/]+$/, ""), "aws:ecr/repository:Repository");
                return {
                    change: on(arn, "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"),
                    read: [...anywhere("ecr:GetAuthorizationToken"), ...on(arn, "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:DescribeImages")],
                };
            }
            case "aws:ecs/cluster:Cluster": {
                const arn = this.arn(r);
                const serviceLinkedRole = {
                    action: "iam:CreateServiceLinkedRole",
                    resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
                    context: { "iam:AWSServiceName": "ecs.amazonaws.com" },
                };
                return { change: [...on(arn, "ecs:CreateCluster", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:DeleteCluster"), serviceLinkedRole], read: on(arn, "ecs:DescribeClusters", "ecs:ListTagsForResource") };
            }
            case "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
                const arn = this.arnOf(i.clusterName, "aws:ecs/cluster:Cluster");
                return { change: on(arn, "ecs:PutClusterCapacityProviders"), read: on(arn, "ecs:DescribeClusters") };
            }
            case "aws:ecs/taskDefinition:TaskDefinition": {
                const arn = this.arn(r);
                return {
                    change: [...on(arn, "ecs:RegisterTaskDefinition"), ...anywhere("ecs:DeregisterTaskDefinition"), this.pass(i.executionRoleArn, "ecs-tasks.amazonaws.com"), this.pass(i.taskRoleArn, "ecs-tasks.amazonaws.com")],
                    read: [...anywhere("ecs:DescribeTaskDefinition"), ...on(arn, "ecs:ListTagsForResource")],
                };
            }
            case "aws:ecs/service:Service": {
                const arn = this.regional("ecs", `service/${this.name(this.from(i.cluster, "aws:ecs/cluster:Cluster"))}/${this.name(r)}`);
                return { change: on(arn, "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService"), read: on(arn, "ecs:DescribeServices", "ecs:ListTagsForResource") };
            }
            case "aws:appautoscaling/target:Target":
            case "aws:appautoscaling/policy:Policy": {
                const arn = this.regional("application-autoscaling", "scalable-target/0123456789abcdef0123456789abcdef");
                const context = { "application-autoscaling:service-namespace": "ecs", "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount" };
                const actions = r.type.endsWith("Target") ? ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget"] : ["application-autoscaling:PutScalingPolicy", "application-autoscaling:DeleteScalingPolicy"];
                return {
                    change: actions.map((action) => ({ action, resource: arn, context })),
                    read: anywhere("application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingPolicies"),
                };
            }
            case "aws:iam/role:Role": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:ListInstanceProfilesForRole", "iam:DeleteRole"),
                    read: on(arn, "iam:GetRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies"),
                };
            }
            case "aws:iam/rolePolicy:RolePolicy": {
                const arn = this.arnOf(i.role, "aws:iam/role:Role");
                return { change: on(arn, "iam:PutRolePolicy", "iam:DeleteRolePolicy"), read: on(arn, "iam:GetRolePolicy") };
            }
            case "aws:cloudwatch/eventRule:EventRule": {
                const arn = this.arn(r);
                return { change: on(arn, "events:PutRule", "events:EnableRule", "events:DisableRule", "events:DeleteRule"), read: on(arn, "events:DescribeRule", "events:ListTagsForResource") };
            }
            case "aws:cloudwatch/eventTarget:EventTarget": {
                const arn = this.arnOf(i.rule, "aws:cloudwatch/eventRule:EventRule");
                return {
                    change: [...on(arn, "events:PutTargets", "events:RemoveTargets"), ...(i.roleArn ? [this.pass(i.roleArn, "events.amazonaws.com")] : [])],
                    read: on(arn, "events:ListTargetsByRule"),
                };
            }
            case "aws:scheduler/schedule:Schedule": {
                const arn = this.arn(r);
                return { change: [...on(arn, "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"), this.pass(i.target.roleArn, "scheduler.amazonaws.com")], read: on(arn, "scheduler:GetSchedule") };
            }
            case "aws:sqs/queue:Queue": {
                const arn = this.arn(r);
                return { change: on(arn, "sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue"), read: on(arn, "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ListQueueTags") };
            }
            case "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":
            case "aws:sqs/queuePolicy:QueuePolicy": {
                const arn = this.arnOf(i.queueUrl, "aws:sqs/queue:Queue");
                return { change: on(arn, "sqs:SetQueueAttributes"), read: on(arn, "sqs:GetQueueAttributes") };
            }
            case "aws:sns/topic:Topic": {
                const arn = this.arn(r);
                return { change: on(arn, "sns:CreateTopic", "sns:SetTopicAttributes", "sns:DeleteTopic"), read: on(arn, "sns:GetTopicAttributes", "sns:ListTagsForResource") };
            }
            case "aws:sns/topicPolicy:TopicPolicy": {
                const arn = this.arnOf(i.arn, "aws:sns/topic:Topic");
                return { change: on(arn, "sns:SetTopicAttributes"), read: on(arn, "sns:GetTopicAttributes") };
            }
            case "aws:sns/topicSubscription:TopicSubscription": {
                const arn = this.arnOf(i.topic, "aws:sns/topic:Topic");
                return { change: on(arn, "sns:Subscribe", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"), read: on(arn, "sns:GetSubscriptionAttributes", "sns:ListSubscriptionsByTopic") };
            }
            case "aws:kms/key:Key": {
                // A key is usable only as far as its key policy allows; the program's delegates to IAM.
                const onKey = (...actions: string[]) => on(this.arn(r), ...actions).map((req) => ({ ...req, resourcePolicy: this.keyPolicy() }));
                return {
                    change: [...anywhere("kms:CreateKey"), ...onKey("kms:EnableKeyRotation", "kms:PutKeyPolicy", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion")],
                    read: onKey("kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"),
                };
            }
            case "aws:cloudwatch/logGroup:LogGroup": {
                const arn = this.arn(r);
                return {
                    change: on(arn, "logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:AssociateKmsKey", "logs:DeleteLogGroup"),
                    read: [...anywhere("logs:DescribeLogGroups"), ...on(arn, "logs:ListTagsForResource")],
                };
            }
            case "aws:cloudwatch/queryDefinition:QueryDefinition":
                return { change: anywhere("logs:PutQueryDefinition", "logs:DeleteQueryDefinition"), read: anywhere("logs:DescribeQueryDefinitions") };
            case "aws:cloudwatch/dashboard:Dashboard": {
                const arn = this.arn(r);
                return { change: on(arn, "cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"), read: on(arn, "cloudwatch:GetDashboard") };
            }
            case "aws:cloudwatch/metricAlarm:MetricAlarm": {
                const arn = this.arn(r);
                return { change: on(arn, "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms"), read: on(arn, "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource") };
            }
            case "aws:lambda/function:Function": {
                const arn = this.arn(r);
                return {
                    change: [...on(arn, "lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction"), this.pass(i.role, "lambda.amazonaws.com")],
                    read: on(arn, "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig", "lambda:ListVersionsByFunction", "lambda:GetRuntimeManagementConfig", "lambda:ListTags"),
                };
            }
            case "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
                const arn = this.arnOf(i.functionName, "aws:lambda/function:Function");
                return {
                    change: on(arn, "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig"),
                    read: on(arn, "lambda:GetFunctionEventInvokeConfig"),
                };
            }
            case "aws:lambda/permission:Permission": {
                const arn = this.arnOf(i.function, "aws:lambda/function:Function");
                return { change: [{ action: "lambda:AddPermission", resource: arn, context: { "lambda:Principal": i.principal } }, ...on(arn, "lambda:RemovePermission")], read: on(arn, "lambda:GetPolicy") };
            }
            case "aws:secretsmanager/secret:Secret": {
                const arn = this.arn(r);
                return { change: on(arn, "secretsmanager:CreateSecret", "secretsmanager:UpdateSecret", "secretsmanager:DeleteSecret"), read: on(arn, "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy") };
            }
            case "aws:secretsmanager/secretVersion:SecretVersion": {
                const arn = this.arnOf(i.secretId, "aws:secretsmanager/secret:Secret");
                return { change: on(arn, "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"), read: on(arn, "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds") };
            }
            case "aws:ec2/vpc:Vpc": {
                const arn = this.arn(r);
                return { change: on(arn, "ec2:CreateVpc", "ec2:ModifyVpcAttribute", "ec2:DeleteVpc"), read: [...anywhere("ec2:DescribeVpcs", "ec2:DescribeNetworkAcls"), ...on(arn, "ec2:DescribeVpcAttribute")] };
            }
            case "aws:ec2/subnet:Subnet": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return { change: [...on(arn, "ec2:CreateSubnet", "ec2:ModifySubnetAttribute", "ec2:DeleteSubnet"), ...on(vpc, "ec2:CreateSubnet")], read: anywhere("ec2:DescribeSubnets") };
            }
            case "aws:ec2/internetGateway:InternetGateway": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return {
                    change: [...on(arn, "ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway", "ec2:DeleteInternetGateway"), ...on(vpc, "ec2:AttachInternetGateway", "ec2:DetachInternetGateway")],
                    read: anywhere("ec2:DescribeInternetGateways"),
                };
            }
            case "aws:ec2/routeTable:RouteTable": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return { change: [...on(arn, "ec2:CreateRouteTable", "ec2:CreateRoute", "ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:DeleteRouteTable"), ...on(vpc, "ec2:CreateRouteTable")], read: anywhere("ec2:DescribeRouteTables") };
            }
            case "aws:ec2/routeTableAssociation:RouteTableAssociation": {
                const table = this.arnOf(i.routeTableId, "aws:ec2/routeTable:RouteTable");
                const subnet = this.arnOf(i.subnetId, "aws:ec2/subnet:Subnet");
                return { change: [...on(table, "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable"), ...on(subnet, "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable")], read: anywhere("ec2:DescribeRouteTables") };
            }
            case "aws:ec2/securityGroup:SecurityGroup": {
                const arn = this.arn(r);
                const vpc = this.arnOf(i.vpcId, "aws:ec2/vpc:Vpc");
                return {
                    change: [...on(arn, "ec2:CreateSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"), ...on(vpc, "ec2:CreateSecurityGroup")],
                    read: anywhere("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeNetworkInterfaces"),
                };
            }
            case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
                const arn = this.arn(r);
                return { change: on(arn, "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"), read: anywhere("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules") };
            }
            default:
                throw new Error(`${r.type} (${r.name}) is not known to the deploy role's test: add what \`pulumi up\` does with it to Deployment.needs in tests/support/ci-role-simulation.ts, and the permissions to deploy/github-oidc-role/policies.ts`);
        }
    }
}
