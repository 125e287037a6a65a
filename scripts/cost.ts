/**
 * Prints the monthly cost of every processing pattern for a stack's configuration and a workload,
 * as markdown tables (or JSON with --json).
 *
 *   npm run cost -- --stack dev --files-per-month 10000 --file-size-mb 100
 *   node -r ./scripts/register.js scripts/cost.ts --stack prod --files-per-month 10000 --seconds-per-file 45
 *
 * The stack's `Pulumi.<stack>.yaml` gives the task size, architecture, ephemeral storage, capacity
 * split, log retention, public IP and region; the flags give the workload and the assumptions.
 */
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import {
    CONFIG_PROJECT,
    COST_DEFAULTS,
    CostWorkload,
    CostWorkloadFields,
    PRICED_REGIONS,
    estimateCosts,
    pricesFor,
    renderCostMarkdown,
    stackCostConfig,
} from "../tools/cost";
import { CPU_ARCHITECTURES, CpuArchitecture } from "../components/builders/fargate";
import { ValidationError, invalid } from "../components/builders/validation";

/** Where the Pulumi.<stack>.yaml files are. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

type ValueKind = "integer" | "number" | "architecture";

/** Workload flags: the flag, the workload field it sets, and what it takes. */
const WORKLOAD_FLAGS: readonly { flag: string; field: Exclude<keyof CostWorkload, "applyFreeTier">; kind: ValueKind; help: string }[] = [
    { flag: "--files-per-month", field: "filesPerMonth", kind: "integer", help: "files uploaded per month (required)" },
    { flag: "--file-size-mb", field: "fileSizeMB", kind: "number", help: "average file size, MB (10^6 bytes); processing time is derived from it" },
    { flag: "--seconds-per-file", field: "secondsPerFile", kind: "number", help: "measured processing seconds per file, instead of --file-size-mb" },
    { flag: "--rows-per-second-per-vcpu", field: "rowsPerSecondPerVcpu", kind: "number", help: `processor throughput (default ${COST_DEFAULTS.rowsPerSecondPerVcpu})` },
    { flag: "--bytes-per-row", field: "bytesPerRow", kind: "number", help: `average CSV row size (default ${COST_DEFAULTS.bytesPerRow})` },
    { flag: "--request-seconds-per-file", field: "requestSecondsPerFile", kind: "number", help: `S3 round trips per file (default ${COST_DEFAULTS.requestSecondsPerFile})` },
    { flag: "--s3-read-mbps", field: "s3ReadMBps", kind: "number", help: "S3 read speed per task, MB/s: derived processing is at least size / this" },
    { flag: "--task-startup-seconds", field: "taskStartupSeconds", kind: "number", help: `billed startup per task (default ${COST_DEFAULTS.taskStartupSeconds})` },
    { flag: "--schedule-hours", field: "scheduleHours", kind: "number", help: `ScheduledTask/KubernetesJobs period (default ${COST_DEFAULTS.scheduleHours})` },
    { flag: "--min-workers", field: "minWorkers", kind: "integer", help: `QueueWorkerService minimum tasks (default ${COST_DEFAULTS.minWorkers})` },
    { flag: "--max-workers", field: "maxWorkers", kind: "integer", help: `QueueWorkerService maximum tasks (default ${COST_DEFAULTS.maxWorkers})` },
    { flag: "--poll-wait-seconds", field: "pollWaitSeconds", kind: "integer", help: `SQS long-poll wait (default ${COST_DEFAULTS.pollWaitSeconds})` },
    { flag: "--scale-in-seconds", field: "scaleInSeconds", kind: "number", help: `idle worker lifetime before scale-in (default ${COST_DEFAULTS.scaleInSeconds})` },
    { flag: "--lambda-memory-mb", field: "lambdaMemoryMB", kind: "integer", help: `LambdaTrigger memory (default ${COST_DEFAULTS.lambdaMemoryMB})` },
    { flag: "--lambda-duration-ms", field: "lambdaDurationMs", kind: "number", help: `LambdaTrigger billed duration (default ${COST_DEFAULTS.lambdaDurationMs})` },
    { flag: "--lambda-architecture", field: "lambdaArchitecture", kind: "architecture", help: `X86_64 or ARM64 (default ${COST_DEFAULTS.lambdaArchitecture})` },
    { flag: "--eks-nodes", field: "eksNodes", kind: "integer", help: "KubernetesJobs on this many nodes instead of Fargate pods" },
    { flag: "--eks-node-hourly-usd", field: "eksNodeHourlyUsd", kind: "number", help: "price of one node per hour (with --eks-nodes)" },
    { flag: "--spot-discount", field: "spotDiscount", kind: "number", help: "Fargate Spot discount, 0–0.9 (default: the region's)" },
    { flag: "--shard-above-mb", field: "shardAboveMB", kind: "number", help: "price byte-range shards for files above this size, MB (default: the stack's processor.shardAboveBytes)" },
    { flag: "--shard-mb", field: "shardMB", kind: "number", help: "target shard size, MB (default: processor.shardBytes, else 1 GiB)" },
    { flag: "--max-shards", field: "maxShards", kind: "integer", help: "most shards per file (default: processor.maxShards, else 16)" },
];

/** Flag names for the model's error messages. */
export const CLI_FIELDS: CostWorkloadFields = {
    ...(Object.fromEntries(WORKLOAD_FLAGS.map((f) => [f.field, f.flag])) as Omit<CostWorkloadFields, "applyFreeTier">),
    applyFreeTier: "--free-tier",
};

export interface CostCliOptions {
    /** Stack name: reads Pulumi.<stack>.yaml from the project root. */
    stack?: string;
    /** A stack config file to read instead. */
    configPath?: string;
    /** Overrides aws:region. */
    region?: string;
    json: boolean;
    help: boolean;
    workload: CostWorkload;
}

export const USAGE = [
    "Usage: npm run cost -- (--stack <name> | --config <Pulumi.<stack>.yaml>) --files-per-month <n> (--file-size-mb <MB> | --seconds-per-file <s>) [options]",
    "",
    "  --stack <name>              read Pulumi.<name>.yaml from the project root",
    "  --config <path>             read this stack config file instead",
    `  --region <region>           override aws:region (${PRICED_REGIONS.join(", ")})`,
    ...WORKLOAD_FLAGS.map((f) => `  ${`${f.flag} <${f.kind === "architecture" ? "arch" : "n"}>`.padEnd(28)}${f.help}`),
    "  --free-tier                 subtract the monthly free tier (account-wide)",
    "  --json                      print the report as JSON",
    "  --help                      this text",
    "",
].join("\n");

function parseValue(flag: string, kind: ValueKind, text: string | undefined): number | CpuArchitecture {
    if (text === undefined || text.startsWith("--")) {
        invalid(flag, text, "has no value", `give one, e.g. ${flag} ${kind === "architecture" ? "ARM64" : "10"}`);
    }
    if (kind === "architecture") {
        if (!(CPU_ARCHITECTURES as readonly string[]).includes(text)) {
            invalid(flag, text, "is not a CPU architecture", `use one of ${CPU_ARCHITECTURES.join(", ")}`);
        }
        return text as CpuArchitecture;
    }
    const n = text.trim() === "" ? NaN : Number(text);
    if (!Number.isFinite(n)) {
        invalid(flag, text, "is not a number", `give a number, e.g. ${flag} 10`);
    }
    return n;
}

/** Parses the command line; throws ValidationError naming the flag. */
export function parseCostArgs(argv: readonly string[]): CostCliOptions {
    const options: CostCliOptions = { json: false, help: false, workload: { filesPerMonth: NaN } };
    const workload: Record<string, unknown> = {};
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const next = () => (inline !== undefined ? inline : argv[++i]);
        const spec = WORKLOAD_FLAGS.find((f) => f.flag === flag);
        if (spec) {
            workload[spec.field] = parseValue(flag, spec.kind, next());
            continue;
        }
        switch (flag) {
            case "--stack":
            case "--config":
            case "--region": {
                const value = next();
                if (value === undefined || value.startsWith("--") || value === "") {
                    invalid(flag, value, "has no value", flag === "--stack" ? "give a stack name, e.g. --stack dev" : flag === "--config" ? "give a path, e.g. --config Pulumi.dev.yaml" : `give a region, e.g. --region ${PRICED_REGIONS[0]}`);
                }
                if (flag === "--stack") {
                    options.stack = value;
                } else if (flag === "--config") {
                    options.configPath = value;
                } else {
                    options.region = value;
                }
                break;
            }
            case "--free-tier":
                workload.applyFreeTier = true;
                break;
            case "--json":
                options.json = true;
                break;
            case "--help":
            case "-h":
                options.help = true;
                break;
            default:
                invalid("argument", arg, "is not an option", "run with --help for the list");
        }
    }
    if (options.help) {
        return options;
    }
    if (options.stack !== undefined && options.configPath !== undefined) {
        throw new ValidationError("--stack and --config: both are set; give one");
    }
    if (options.stack === undefined && options.configPath === undefined) {
        throw new ValidationError("--stack and --config: neither is set; give a stack name (--stack dev) or a config file (--config Pulumi.dev.yaml)");
    }
    if (workload.filesPerMonth === undefined) {
        invalid("--files-per-month", undefined, "is required", "give the files uploaded per month, e.g. --files-per-month 10000");
    }
    options.workload = workload as unknown as CostWorkload;
    return options;
}

/** The stacks that have a Pulumi.<stack>.yaml in `root`. */
export function availableStacks(root: string = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Reads the `config:` map of a stack file. */
export function readStackFile(options: Pick<CostCliOptions, "stack" | "configPath">, root: string = PROJECT_ROOT): { file: string; config: Record<string, unknown> } {
    let file: string;
    if (options.configPath !== undefined) {
        file = path.resolve(options.configPath);
        if (!fs.existsSync(file)) {
            invalid("--config", options.configPath, "does not exist", "give the path of a Pulumi.<stack>.yaml");
        }
    } else {
        file = path.join(root, `Pulumi.${options.stack}.yaml`);
        if (!fs.existsSync(file)) {
            const stacks = availableStacks(root);
            invalid("--stack", options.stack, `has no Pulumi.${options.stack}.yaml in ${root}`, stacks.length > 0 ? `use one of ${stacks.join(", ")}` : "create the stack first");
        }
    }
    const doc = yaml.load(fs.readFileSync(file, "utf8")) as { config?: unknown } | null | undefined;
    const config = doc?.config;
    if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
        invalid(path.basename(file), "config", "has no config: map", "give a Pulumi stack file with a config: section");
    }
    return { file, config: config as Record<string, unknown> };
}

export interface CliIo {
    out(text: string): void;
    err(text: string): void;
}

const PROCESS_IO: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** Runs the CLI; returns the exit code (0, or 2 for bad arguments or config). */
export function main(argv: readonly string[], io: CliIo = PROCESS_IO, root: string = PROJECT_ROOT): number {
    try {
        const options = parseCostArgs(argv);
        if (options.help) {
            io.out(USAGE);
            return 0;
        }
        const { file, config } = readStackFile(options, root);
        if (options.region !== undefined) {
            pricesFor(options.region, "--region");
        }
        const stack = stackCostConfig(options.region === undefined ? config : { ...config, "aws:region": options.region }, CONFIG_PROJECT);
        const report = estimateCosts(stack, options.workload, CLI_FIELDS);
        if (options.json) {
            io.out(`${JSON.stringify(report, null, 2)}\n`);
        } else {
            const name = options.stack ?? path.basename(file);
            io.out(renderCostMarkdown(report, `Monthly cost by pattern — stack ${name} (${path.basename(file)})`));
        }
        return 0;
    } catch (e) {
        if (e instanceof ValidationError) {
            io.err(`error: ${e.message}\n\n${USAGE}`);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) {
    process.exitCode = main(process.argv.slice(2));
}
