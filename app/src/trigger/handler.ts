/**
 * The upload trigger Lambda: the bucket's own event notifications invoke it for each object created
 * under the upload prefix, and it starts one ECS task per object with ecs:RunTask — the object's
 * bucket, key (decoded once), size, ETag and event time in the container's environment, under the
 * same names the EventBridge rule's input transformer uses. For accounts that cannot use EventBridge.
 *
 * Every record of an invocation is started before the outcome is decided. If any could not be
 * started (RunTask answered with `failures[]`, threw, or the record is malformed), the invocation
 * fails with one error naming each such key and the reason, so Lambda's asynchronous retries and its
 * on-failure destination catch it; the other records' tasks are started regardless.
 *
 * Retries start nothing twice: each RunTask carries a client token derived from the object and the
 * event (bucket, key, ETag, sequencer), so when Lambda retries an invocation because one record
 * failed, ECS answers the other records' RunTask with the tasks it already started instead of
 * starting new ones. ECS keeps a RunTask client token for up to 24 hours; Lambda retries an
 * asynchronous event for at most 6 hours (maximumEventAgeInSeconds), inside that window. Tokens are
 * per cluster, at most 64 ASCII characters 33–126, and a token reused with other parameters is a
 * ConflictException naming the tasks already started for it — treated here as started.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html
 *
 * Environment (validated before the first event is handled; see config.ts):
 *   CLUSTER_ARN                 required
 *   TASK_DEFINITION_ARN         required, with revision
 *   CONTAINER_NAME              required
 *   SUBNET_IDS                  required, comma-separated
 *   SECURITY_GROUP_IDS          required, comma-separated
 *   ASSIGN_PUBLIC_IP            ENABLED | DISABLED (default DISABLED)
 *   CAPACITY_PROVIDER_STRATEGY  JSON list, or
 *   LAUNCH_TYPE                 FARGATE | EC2 | EXTERNAL | MANAGED_INSTANCES (neither: the cluster's default strategy)
 *   PLATFORM_VERSION            optional, e.g. LATEST
 *   UPLOAD_PREFIX               required; other keys are ignored
 *   KEY_SUFFIXES                optional JSON list; other keys are ignored
 *   BUCKET_NAME                 optional; other buckets are ignored
 *   STARTED_BY                  optional (default: the function's name)
 *   AWS_ENDPOINT_URL_ECS        optional ECS endpoint (honoured by the AWS SDK), e.g. a local stand-in
 *
 * Deployed as handler.handler next to config.js and records.js; imports nothing else but Node's
 * built-in modules and the AWS SDK the Lambda Node.js runtime provides.
 */
import { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
import { createHash } from "node:crypto";
import type { RunTaskCommandInput, RunTaskCommandOutput } from "@aws-sdk/client-ecs";
import { TriggerConfig, readTriggerConfig } from "./config";
import { RecordOutcome, UploadedObject, classifyRecord, isTestEvent, recordsOf, taskEnvironment } from "./records";

/** The part of the ECS client the trigger uses. */
export interface RunTaskApi {
    send(command: RunTaskCommand): Promise<RunTaskCommandOutput>;
}

export interface TriggerDeps {
    /** @default process.env */
    env?: Record<string, string | undefined>;
    /** @default an ECSClient for the function's region (AWS_ENDPOINT_URL_ECS applies) */
    ecs?: RunTaskApi;
    /** One JSON log line. @default console.log(JSON.stringify(line)) */
    log?: (line: Record<string, unknown>) => void;
}

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
    awsRequestId?: string;
}

export interface StartedTask {
    bucket: string;
    key: string;
    taskArn: string;
}

/** What an invocation did when every record it was meant to start was started. */
export interface TriggerResult {
    started: StartedTask[];
    skipped: number;
    testEvent: boolean;
}

export type TriggerHandler = (event: unknown, context?: InvocationContext) => Promise<TriggerResult>;

/** One record that did not start a task. */
export interface StartFailure {
    bucket?: string;
    key?: string;
    reason: string;
}

/** The invocation's error when at least one record could not start its task. */
export class TaskStartError extends Error {
    constructor(
        public readonly failures: StartFailure[],
        public readonly total: number,
        public readonly started: StartedTask[],
    ) {
        super(`Could not start ${failures.length} of ${total} task(s) — ${failures.map(describeFailure).join("; ")}`);
        this.name = "TaskStartError";
    }
}

function describeFailure(f: StartFailure): string {
    const where = f.key === undefined ? "a record" : `${JSON.stringify(f.key)}${f.bucket === undefined ? "" : ` in bucket ${JSON.stringify(f.bucket)}`}`;
    return `${where}: ${f.reason}`;
}

function errorText(err: unknown): string {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * RunTask's client token for an object's event: the same for every delivery and retry of one event
 * (bucket, key, ETag, sequencer), different for another upload of the key. 64 hex characters: the
 * most RunTask accepts (ECS_Idempotency.html above).
 */
export function startToken(object: UploadedObject): string {
    return createHash("sha256").update(JSON.stringify([object.bucket, object.key, object.etag ?? "", object.sequencer ?? ""])).digest("hex");
}

/** The RunTask request for one object. */
export function runTaskInput(config: TriggerConfig, object: UploadedObject): RunTaskCommandInput {
    const input: RunTaskCommandInput = {
        clientToken: startToken(object),
        cluster: config.clusterArn,
        taskDefinition: config.taskDefinitionArn,
        count: 1,
        networkConfiguration: {
            awsvpcConfiguration: { subnets: [...config.subnetIds], securityGroups: [...config.securityGroupIds], assignPublicIp: config.assignPublicIp },
        },
        overrides: { containerOverrides: [{ name: config.containerName, environment: taskEnvironment(object) }] },
        startedBy: config.startedBy,
        propagateTags: "TASK_DEFINITION",
        enableECSManagedTags: true,
    };
    if (config.capacityProviderStrategy !== undefined) {
        input.capacityProviderStrategy = config.capacityProviderStrategy.map((s) => ({ ...s }));
    } else if (config.launchType !== undefined) {
        input.launchType = config.launchType;
    }
    if (config.platformVersion !== undefined) {
        input.platformVersion = config.platformVersion;
    }
    return input;
}

/** `failures[]` of a RunTask response as one line: `RESOURCE:MEMORY (arn…): detail`. */
function describeRunTaskFailures(failures: NonNullable<RunTaskCommandOutput["failures"]>): string {
    return failures
        .map((f) => `${f.reason ?? "unknown reason"}${f.arn ? ` (${f.arn})` : ""}${f.detail ? `: ${f.detail}` : ""}`)
        .join(", ");
}

function defaultEcsClient(): RunTaskApi {
    return new ECSClient({
        // The SDK's own retries resend the same request, client token included: one task.
        maxAttempts: 3,
        requestHandler: { connectionTimeout: 3000, requestTimeout: 15000, throwOnRequestTimeout: true },
    });
}

/**
 * The handler, with its dependencies injected. The environment is validated here, once; an invalid
 * one throws TriggerConfigError naming the variable.
 */
export function createHandler(deps: TriggerDeps = {}): TriggerHandler {
    const config = readTriggerConfig(deps.env ?? process.env);
    const log = deps.log ?? ((line: Record<string, unknown>) => console.log(JSON.stringify(line)));
    let ecs = deps.ecs;

    async function start(object: UploadedObject, requestId: string | undefined): Promise<StartedTask | StartFailure> {
        const where = { bucket: object.bucket, key: object.key };
        try {
            ecs ??= defaultEcsClient();
            const out = await ecs.send(new RunTaskCommand(runTaskInput(config, object)));
            const failures = out.failures ?? [];
            const taskArn = out.tasks?.[0]?.taskArn;
            if (failures.length > 0 || taskArn === undefined) {
                const reason = failures.length > 0 ? `RunTask failed: ${describeRunTaskFailures(failures)}` : "RunTask started no task and reported no failure";
                log({ level: "error", msg: "task not started", requestId, ...where, reason, failures });
                return { ...where, reason };
            }
            log({ level: "info", msg: "task started", requestId, ...where, size: object.size, taskArn, eventName: object.eventName });
            return { ...where, taskArn };
        } catch (err) {
            // The token was used before with other parameters (the configuration changed between a
            // start and its retry): the tasks it started are the ones for this event.
            const existing = (err as { name?: string; resourceIds?: string[] }).name === "ConflictException" ? (err as { resourceIds?: string[] }).resourceIds?.[0] : undefined;
            if (existing !== undefined) {
                log({ level: "info", msg: "task already started for this event", requestId, ...where, taskArn: existing });
                return { ...where, taskArn: existing };
            }
            const reason = errorText(err);
            log({ level: "error", msg: "task not started", requestId, ...where, reason });
            return { ...where, reason };
        }
    }

    return async (event: unknown, context?: InvocationContext): Promise<TriggerResult> => {
        const requestId = context?.awsRequestId;
        if (isTestEvent(event)) {
            log({ level: "info", msg: "S3 test event ignored", requestId, bucket: (event as Record<string, unknown>).Bucket });
            return { started: [], skipped: 0, testEvent: true };
        }
        const records = recordsOf(event);
        if (records === undefined) {
            log({ level: "error", msg: "not an S3 event notification", requestId, eventType: typeof event });
            throw new TypeError("The event is neither an S3 event notification (Records[]) nor an s3:TestEvent");
        }
        const outcomes: RecordOutcome[] = records.map((r) =>
            classifyRecord(r, { uploadPrefix: config.uploadPrefix, keySuffixes: config.keySuffixes, bucketName: config.bucketName }),
        );
        const failures: StartFailure[] = [];
        let skipped = 0;
        const pending: Promise<StartedTask | StartFailure>[] = [];
        for (const outcome of outcomes) {
            if (outcome.kind === "skip") {
                skipped++;
                log({ level: "info", msg: "record skipped", requestId, bucket: outcome.bucket, key: outcome.key, reason: outcome.reason });
            } else if (outcome.kind === "invalid") {
                log({ level: "error", msg: "invalid record", requestId, bucket: outcome.bucket, key: outcome.key, reason: outcome.reason });
                failures.push({ bucket: outcome.bucket, key: outcome.key, reason: outcome.reason });
            } else {
                pending.push(start(outcome.object, requestId));
            }
        }
        const started: StartedTask[] = [];
        for (const result of await Promise.all(pending)) {
            if ("taskArn" in result) {
                started.push(result);
            } else {
                failures.push(result);
            }
        }
        if (failures.length > 0) {
            throw new TaskStartError(failures, started.length + failures.length, started);
        }
        return { started, skipped, testEvent: false };
    };
}

let entry: TriggerHandler | undefined;

/**
 * The Lambda entry point (`handler.handler`). The environment is read and validated on the first
 * invocation of an execution environment; while it is invalid, every invocation fails naming the
 * variable, and the event is retried and then sent to the failure destination, not lost.
 */
export const handler: TriggerHandler = async (event, context) => {
    if (entry === undefined) {
        try {
            entry = createHandler();
        } catch (err) {
            console.log(JSON.stringify({ level: "error", msg: "invalid configuration", requestId: context?.awsRequestId, error: errorText(err) }));
            throw err;
        }
    }
    return entry(event, context);
};
