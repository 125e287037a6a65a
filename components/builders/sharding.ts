/**
 * Byte-range shards of one large upload (docs/sharding.md): the settings, validated; the task
 * definition's variables that give the processor them (and the network and capacity strategy its
 * shards are started with). What the task role needs for it is in iam.ts (taskRolePolicy).
 */
import { CapacityProviderStrategyItem } from "./capacity";
import { invalid, requireIntegerInRange } from "./validation";

/** The settings of sharding (stack config `processor.shardAboveBytes`, …). */
export interface ShardingSettings {
    /** A file larger than this many bytes is split into byte-range shards. */
    aboveBytes: number;
    /** Target bytes per shard. @default 1 GiB */
    shardBytes?: number;
    /** At most this many shards per file (2–1000). @default 16 */
    maxShards?: number;
    /** The job's command processes a byte range and merges partials (docs/sharding.md). @default false */
    commandAcceptsRange?: boolean;
    /** Where shards keep partial results until the merge deletes them. @default "partials/" */
    partialsPrefix?: string;
}

export const DEFAULT_SHARD_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_SHARDS = 16;
export const MIN_SHARD_BYTES = 1024 * 1024;
export const DEFAULT_PARTIALS_PREFIX = "partials/";

/**
 * Checks the sharding settings; `field` is how they are named to the user (`processor`,
 * `s3-fargate-pipeline:processor`); `prefixes` are the bucket's other prefixes, which the partials may
 * not overlap. Returns a copy with the defaults applied.
 */
export function validateSharding(value: ShardingSettings, field: string, prefixes: readonly string[], hasCommand: boolean): Required<ShardingSettings> {
    const aboveBytes = requireIntegerInRange(`${field}.shardAboveBytes`, value.aboveBytes, 1, Number.MAX_SAFE_INTEGER);
    const shardBytes = requireIntegerInRange(`${field}.shardBytes`, value.shardBytes ?? DEFAULT_SHARD_BYTES, MIN_SHARD_BYTES, Number.MAX_SAFE_INTEGER);
    const maxShards = requireIntegerInRange(`${field}.maxShards`, value.maxShards ?? DEFAULT_MAX_SHARDS, 2, 1000);
    const partialsPrefix = value.partialsPrefix ?? DEFAULT_PARTIALS_PREFIX;
    if (!/^[A-Za-z0-9!_.*'()-]+(?:\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(partialsPrefix)) {
        invalid(`${field}.partialsPrefix`, partialsPrefix, "is not a key prefix ending in /", "use letters, digits and !_.*'()- with / between parts, e.g. partials/");
    }
    const overlapping = prefixes.find((p) => p.startsWith(partialsPrefix) || partialsPrefix.startsWith(p));
    if (overlapping !== undefined) {
        invalid(`${field}.partialsPrefix`, partialsPrefix, `overlaps the bucket's prefix ${JSON.stringify(overlapping)}`, "give the partials a prefix of their own, e.g. partials/");
    }
    if (value.commandAcceptsRange === true && !hasCommand) {
        invalid(`${field}.commandAcceptsRange`, true, `needs ${field}.command`, "the built-in summariser shards by itself; set a command that accepts a range, or remove commandAcceptsRange");
    }
    return { aboveBytes, shardBytes, maxShards, commandAcceptsRange: value.commandAcceptsRange ?? false, partialsPrefix };
}

/** Where the coordinator starts its shards: the upload rule's network and capacity provider strategy. */
export interface ShardPlacement {
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: boolean;
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/**
 * The processor's variables for sharding (app/src/processor/config.ts reads them); with a placement
 * (ECS), also where the coordinator starts its shard tasks. Kubernetes pods get none: an Indexed
 * Job's pods are the shards.
 */
export function shardingEnvironment(settings: Required<ShardingSettings>, placement?: ShardPlacement): Record<string, string> {
    const own = {
        SHARD_ABOVE_BYTES: String(settings.aboveBytes),
        SHARD_BYTES: String(settings.shardBytes),
        SHARD_MAX: String(settings.maxShards),
        S3_PARTIALS_PREFIX: settings.partialsPrefix,
        ...(settings.commandAcceptsRange ? { COMMAND_ACCEPTS_RANGE: "true" } : {}),
    };
    if (placement === undefined) {
        return own;
    }
    return {
        ...own,
        SHARD_SUBNETS: placement.subnetIds.join(","),
        SHARD_SECURITY_GROUPS: placement.securityGroupIds.join(","),
        SHARD_ASSIGN_PUBLIC_IP: String(placement.assignPublicIp),
        ...(placement.capacityProviderStrategy && placement.capacityProviderStrategy.length > 0
            ? { SHARD_CAPACITY_PROVIDERS: placement.capacityProviderStrategy.map((s) => `${s.capacityProvider}:${s.weight}:${s.base}`).join(",") }
            : {}),
    };
}
