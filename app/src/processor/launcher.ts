/**
 * How a shard task is started: ECS RunTask of the task's own task definition on its own cluster
 * (read from the ECS task metadata endpoint v4), with the network and capacity provider strategy
 * the upload rule uses (given to the task definition as SHARD_* variables), and the shard's
 * variables as container overrides. The local pipeline answers the same RunTask call with a local
 * process (app/src/local/ecs-server.ts), so this code runs unchanged there.
 *
 * - Task metadata v4: `${ECS_CONTAINER_METADATA_URI_V4}` describes the container (its `Name`),
 *   `${ECS_CONTAINER_METADATA_URI_V4}/task` the task (`Cluster`, `Family`, `Revision`, `TaskARN`)
 *   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-metadata-endpoint-v4-fargate.html).
 * - RunTask: with a capacity provider strategy, `launchType` must be omitted; Fargate tasks need an
 *   `awsvpcConfiguration` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html).
 *   RunTask can answer 200 with `failures` and no task: that is a failure to start too.
 */
import { AssignPublicIp, ECSClient, LaunchType, RunTaskCommand, RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { ShardConfig } from "./config";
import { ExitCode, ProcessorError } from "./exit-codes";
import { getJson } from "./metadata";

/** Starts one task running the same processor with these extra variables; resolves with its ARN. */
export interface ShardLauncher {
    launch(environment: Record<string, string>): Promise<string>;
}

/** What RunTask needs that the task learns from its metadata endpoint. */
export interface TaskIdentity {
    cluster: string;
    /** `family:revision`. */
    taskDefinition: string;
    container: string;
}

/** Reads the cluster, task definition and container name from the ECS task metadata endpoint v4. */
export async function readTaskIdentity(metadataUri: string, timeoutMs = 2000): Promise<TaskIdentity> {
    const get = async (url: string): Promise<Record<string, unknown>> => ((await getJson(url, timeoutMs)) ?? {}) as Record<string, unknown>;
    const [container, task] = await Promise.all([get(metadataUri), get(`${metadataUri}/task`)]);
    const { Cluster, Family, Revision } = task;
    if (typeof Cluster !== "string" || typeof Family !== "string" || (typeof Revision !== "string" && typeof Revision !== "number") || typeof container.Name !== "string") {
        throw new Error(`the task metadata lacks Cluster, Family, Revision or the container's Name: ${JSON.stringify({ Cluster, Family, Revision, Name: container.Name })}`);
    }
    return { cluster: Cluster, taskDefinition: `${Family}:${Revision}`, container: container.Name };
}

/** The RunTask request for one shard: same task definition, cluster, network and capacity strategy. */
export function runTaskInput(identity: TaskIdentity, shard: ShardConfig, environment: Record<string, string>): RunTaskCommandInput {
    const strategy = shard.capacityProviders.length > 0 ? { capacityProviderStrategy: shard.capacityProviders } : { launchType: LaunchType.FARGATE };
    return {
        cluster: identity.cluster,
        taskDefinition: identity.taskDefinition,
        count: 1,
        ...strategy,
        ...(shard.subnets.length > 0
            ? {
                  networkConfiguration: {
                      awsvpcConfiguration: {
                          subnets: shard.subnets,
                          securityGroups: shard.securityGroups.length > 0 ? shard.securityGroups : undefined,
                          assignPublicIp: shard.assignPublicIp ? AssignPublicIp.ENABLED : AssignPublicIp.DISABLED,
                      },
                  },
              }
            : {}),
        startedBy: "shard-coordinator",
        overrides: { containerOverrides: [{ name: identity.container, environment: Object.entries(environment).map(([name, value]) => ({ name, value })) }] },
    };
}

/** The ECS launcher; throws a config error (exit 64) when the task cannot learn where it runs. */
export async function ecsLauncher(shard: ShardConfig, metadataUri: string | undefined, region: string): Promise<ShardLauncher> {
    if (metadataUri === undefined) {
        throw new ProcessorError("sharding needs ECS_CONTAINER_METADATA_URI_V4 (ECS sets it) to start shards of its own task definition; unset SHARD_ABOVE_BYTES to process every file in one task", ExitCode.CONFIG, "ConfigError");
    }
    const identity = await readTaskIdentity(metadataUri);
    const ecs = new ECSClient({ region, endpoint: shard.ecsEndpoint, maxAttempts: 5 });
    return {
        async launch(environment) {
            const res = await ecs.send(new RunTaskCommand(runTaskInput(identity, shard, environment)));
            const arn = res.tasks?.[0]?.taskArn;
            if (arn === undefined) {
                const failure = res.failures?.[0];
                throw new Error(`RunTask started no task: ${failure ? `${failure.reason ?? "?"} ${failure.detail ?? ""}`.trim() : "no reason given"}`);
            }
            return arn;
        },
    };
}
