/**
 * The queue worker's documents and settings as plain values: queue timings, redrive and queue
 * policies, the worker's identity policy, its environment, the capacity split and the
 * backlog-per-task metric math that scales the service.
 */
import { CapacityFields, CapacityProviderStrategyItem, CapacitySplit, capacityProviderStrategy } from "./capacity";
import { PolicyDocument, PolicyStatement, denyInsecureTransport, serviceForSourceStatement } from "./iam";
import { invalid, requireIntegerInRange } from "./validation";

/** SQS's longest visibility timeout (12 hours). */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43200;

/**
 * Seconds the queue's visibility timeout adds to the longest job when none is given: room for the
 * receive, the final DeleteMessage and a slow start, so a message is not handed to a second worker
 * while the first is finishing it.
 */
export const VISIBILITY_MARGIN_SECONDS = 60;

/** SQS's longest message retention (14 days); the dead-letter queue keeps messages this long. */
export const MAX_RETENTION_SECONDS = 1209600;

/** Long polling: ReceiveMessage waits up to 20 s (the maximum) for a message instead of returning empty. */
export const RECEIVE_WAIT_SECONDS = 20;

/** Cooldowns of the target-tracking policy: add tasks quickly, remove them slowly. */
export const SCALE_OUT_COOLDOWN_SECONDS = 60;
export const SCALE_IN_COOLDOWN_SECONDS = 300;

/** Field names used in error messages. */
export interface VisibilityFields {
    maxJobSeconds: string;
    visibilityTimeoutSeconds: string;
}

/**
 * The work queue's visibility timeout: longer than the longest job, so a message a worker is still
 * working on is not delivered again. Given explicitly it must exceed `maxJobSeconds`; otherwise it is
 * `maxJobSeconds + VISIBILITY_MARGIN_SECONDS`. The worker also extends the visibility of the messages it
 * holds while it works; this timeout decides how soon a message comes back after a worker died.
 */
export function queueVisibilityTimeout(
    maxJobSeconds: number,
    visibilityTimeoutSeconds: number | undefined,
    fields: VisibilityFields = { maxJobSeconds: "maxJobSeconds", visibilityTimeoutSeconds: "visibilityTimeoutSeconds" },
): number {
    if (visibilityTimeoutSeconds === undefined) {
        requireIntegerInRange(fields.maxJobSeconds, maxJobSeconds, 1, MAX_VISIBILITY_TIMEOUT_SECONDS - VISIBILITY_MARGIN_SECONDS);
        return maxJobSeconds + VISIBILITY_MARGIN_SECONDS;
    }
    requireIntegerInRange(fields.maxJobSeconds, maxJobSeconds, 1, MAX_VISIBILITY_TIMEOUT_SECONDS - 1);
    requireIntegerInRange(fields.visibilityTimeoutSeconds, visibilityTimeoutSeconds, 1, MAX_VISIBILITY_TIMEOUT_SECONDS);
    if (visibilityTimeoutSeconds <= maxJobSeconds) {
        invalid(
            fields.visibilityTimeoutSeconds,
            visibilityTimeoutSeconds,
            `is not longer than ${fields.maxJobSeconds} ${maxJobSeconds}`,
            `use more seconds than the longest job, or leave it unset for ${fields.maxJobSeconds} + ${VISIBILITY_MARGIN_SECONDS}`,
        );
    }
    return visibilityTimeoutSeconds;
}

/** Field names used in error messages. */
export interface TaskRangeFields {
    minTasks: string;
    maxTasks: string;
}

/** ECS's quota of tasks per service. */
export const MAX_SERVICE_TASKS = 5000;

/**
 * How the worker service replaces its tasks: new tasks start before old ones stop, and a deployment whose tasks keep
 * failing is rolled back (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-circuit-breaker.html).
 */
export const WORKER_DEPLOYMENT = {
    deploymentMinimumHealthyPercent: 100,
    deploymentMaximumPercent: 200,
    deploymentCircuitBreaker: { enable: true, rollback: true },
} as const;

/** Validates the service's task range: 0 ≤ min ≤ max, 1 ≤ max ≤ 5000. */
export function validateTaskRange(
    minTasks: number,
    maxTasks: number,
    fields: TaskRangeFields = { minTasks: "minTasks", maxTasks: "maxTasks" },
): { minTasks: number; maxTasks: number } {
    requireIntegerInRange(fields.minTasks, minTasks, 0, MAX_SERVICE_TASKS);
    requireIntegerInRange(fields.maxTasks, maxTasks, 1, MAX_SERVICE_TASKS);
    if (minTasks > maxTasks) {
        invalid(fields.minTasks, minTasks, `is more than ${fields.maxTasks} ${maxTasks}`, "use a minimum no larger than the maximum");
    }
    return { minTasks, maxTasks };
}

/** The work queue's redrive policy: after `maxReceiveCount` receives a message moves to the dead-letter queue. */
export function redrivePolicy(deadLetterQueueArn: string, maxReceiveCount: number): { deadLetterTargetArn: string; maxReceiveCount: number } {
    return { deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount };
}

/** The dead-letter queue's redrive-allow policy: only this source queue may use it as its dead-letter queue. */
export function redriveAllowPolicy(sourceQueueArn: string): { redrivePermission: "byQueue"; sourceQueueArns: string[] } {
    return { redrivePermission: "byQueue", sourceQueueArns: [sourceQueueArn] };
}

/**
 * The work queue's policy: nothing over plain HTTP, and, with a feed, EventBridge may send the
 * events of exactly that rule. Producers in the account send with their own sqs:SendMessage.
 */
export function workQueuePolicy(args: { queueArn: string; feedRuleArn?: string }): PolicyDocument {
    const statements: PolicyStatement[] = [];
    if (args.feedRuleArn !== undefined) {
        statements.push(serviceForSourceStatement("UploadEvents", "events.amazonaws.com", "sqs:SendMessage", args.queueArn, args.feedRuleArn));
    }
    statements.push(denyInsecureTransport("sqs:*", [args.queueArn]));
    return { Version: "2012-10-17", Statement: statements };
}

/** The dead-letter queue's policy: nothing over plain HTTP. */
export function deadLetterTlsPolicy(queueArn: string): PolicyDocument {
    return { Version: "2012-10-17", Statement: [denyInsecureTransport("sqs:*", [queueArn])] };
}

/** The actions a worker needs on its queue, and nothing else (no SendMessage, no PurgeQueue). */
export const WORKER_QUEUE_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"] as const;

/**
 * The worker's identity policy (beside the processor's S3 policy): receive, delete and extend the
 * visibility of messages of one queue, read its attributes (the worker reads the visibility timeout
 * once); decrypt with the queue's key, through SQS only, when it is a customer managed key.
 */
export function workerQueuePolicy(args: { queueArn: string; kms?: { keyArn: string; region: string } }): PolicyDocument {
    const statements: PolicyStatement[] = [{ Sid: "ConsumeWorkQueue", Effect: "Allow", Action: [...WORKER_QUEUE_ACTIONS], Resource: args.queueArn }];
    if (args.kms !== undefined) {
        statements.push({
            Sid: "DecryptQueueMessages",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: args.kms.keyArn,
            Condition: { StringEquals: { "kms:ViaService": `sqs.${args.kms.region}.amazonaws.com` } },
        });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** Environment names the queue worker sets on its task; a caller's `environment` may not use them. */
export const WORKER_ENVIRONMENT = ["PROCESSOR_MODE", "SQS_QUEUE_URL", "S3_BUCKET", "MAX_MESSAGES"] as const;

/** The processor's worker-mode environment (values may be outputs: `T` is `string` or an input of one). */
export function workerEnvironment<T>(args: { queueUrl: T; bucketName: T; messagesPerPoll: number }): Record<(typeof WORKER_ENVIRONMENT)[number], T | string> {
    return {
        PROCESSOR_MODE: "worker",
        SQS_QUEUE_URL: args.queueUrl,
        S3_BUCKET: args.bucketName,
        MAX_MESSAGES: String(args.messagesPerPoll),
    };
}

/** One FARGATE task first, then 70 % of the rest on FARGATE_SPOT and 30 % on FARGATE. */
export const DEFAULT_WORKER_CAPACITY: Readonly<Required<CapacitySplit>> = { fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 };

/**
 * The worker service's capacity provider strategy, checked against the cluster's providers when
 * they are known (a service whose strategy names a provider its cluster lacks fails to create).
 */
export function workerCapacityStrategy(
    split: CapacitySplit | undefined,
    clusterProviders: readonly string[] | undefined,
    fields: CapacityFields = { fargateBase: "capacity.fargateBase", fargateWeight: "capacity.fargateWeight", fargateSpotWeight: "capacity.fargateSpotWeight" },
): CapacityProviderStrategyItem[] {
    const strategy = capacityProviderStrategy({ ...DEFAULT_WORKER_CAPACITY, ...split }, fields);
    if (clusterProviders !== undefined) {
        for (const item of strategy) {
            if (clusterProviders.includes(item.capacityProvider)) {
                continue;
            }
            const has = clusterProviders.length === 0 ? "none" : clusterProviders.join(", ");
            const problem = `needs the ${item.capacityProvider} capacity provider, which the cluster does not have (it has ${has})`;
            if (item.capacityProvider === "FARGATE_SPOT") {
                invalid(fields.fargateSpotWeight, item.weight, problem, `add FARGATE_SPOT to the cluster or set ${fields.fargateSpotWeight} to 0`);
            }
            const field = item.weight > 0 ? fields.fargateWeight : fields.fargateBase;
            invalid(field, item.weight > 0 ? item.weight : item.base, problem, `add FARGATE to the cluster or set ${fields.fargateBase} and ${fields.fargateWeight} to 0`);
        }
    }
    return strategy;
}

/** One query of a target-tracking customized metric (the shape of `customizedMetricSpecification.metrics[]`). */
export interface TargetTrackingMetricQuery {
    id: string;
    label: string;
    returnData: boolean;
    expression?: string;
    metricStat?: {
        metric: { namespace: string; metricName: string; dimensions: { name: string; value: string }[] };
        stat: string;
    };
}

/**
 * The multiplier that makes an idle service's backlog exceed the target: the smallest whole number
 * above `target`.
 */
export function idleBacklogFactor(target: number): number {
    return Math.floor(target) + 1;
}

/**
 * Messages per running task, the number the target-tracking policy holds at `target`:
 *
 *   backlog  = FILL(visible, 0) + FILL(inflight, 0)   messages waiting plus messages being worked on
 *   tasks    = FILL(running, 0)                        the service's running tasks
 *   per task = backlog * K / IF(tasks > 0, tasks * K, 1),  K = floor(target) + 1
 *
 * With tasks running this is backlog / tasks. With none it is backlog × K, which is above the target
 * as soon as one message waits, so the policy's high alarm fires and Service Auto Scaling starts a
 * first task from zero (a plain `visible / running` stays at or below the target for small backlogs
 * and never leaves zero). Messages in flight count, so the policy never scales a service that is
 * still working down to zero. Nothing is ever divided by zero, and FILL turns a missing datapoint
 * (Container Insights publishes nothing for a service without tasks, SQS nothing for an idle queue)
 * into 0 rather than "insufficient data", on which target tracking would not act.
 */
export function backlogPerTaskExpression(target: number): string {
    const k = idleBacklogFactor(target);
    return `backlog * ${k} / IF(tasks > 0, tasks * ${k}, 1)`;
}

/** The metric queries of the worker's target-tracking policy (see backlogPerTaskExpression). */
export function backlogPerTaskMetrics(args: { queueName: string; clusterName: string; serviceName: string; target: number }): TargetTrackingMetricQuery[] {
    const sqs = (id: string, metricName: string, label: string): TargetTrackingMetricQuery => ({
        id,
        label,
        metricStat: { metric: { namespace: "AWS/SQS", metricName, dimensions: [{ name: "QueueName", value: args.queueName }] }, stat: "Average" },
        returnData: false,
    });
    return [
        sqs("visible", "ApproximateNumberOfMessagesVisible", "Messages waiting"),
        sqs("inflight", "ApproximateNumberOfMessagesNotVisible", "Messages being processed"),
        {
            id: "running",
            label: "Running tasks",
            metricStat: {
                metric: {
                    namespace: "ECS/ContainerInsights",
                    metricName: "RunningTaskCount",
                    dimensions: [
                        { name: "ClusterName", value: args.clusterName },
                        { name: "ServiceName", value: args.serviceName },
                    ],
                },
                stat: "Average",
            },
            returnData: false,
        },
        { id: "backlog", label: "Messages waiting or in progress", expression: "FILL(visible, 0) + FILL(inflight, 0)", returnData: false },
        { id: "tasks", label: "Running tasks, 0 when none report", expression: "FILL(running, 0)", returnData: false },
        { id: "backlog_per_task", label: "Messages per running task", expression: backlogPerTaskExpression(args.target), returnData: true },
    ];
}

/** The default threshold of the oldest-message alarm: twice the longest job, at least an hour. */
export function defaultOldestMessageAgeSeconds(maxJobSeconds: number): number {
    return Math.max(3600, 2 * maxJobSeconds);
}

const SERVICE_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Checks an ECS service name: 1–255 letters, digits, hyphens and underscores. */
export function validateServiceName(name: string, field = "serviceName"): string {
    if (typeof name !== "string" || !SERVICE_NAME.test(name)) {
        invalid(field, name, "is not a valid ECS service name", "use 1-255 letters, digits, hyphens and underscores");
    }
    return name;
}
