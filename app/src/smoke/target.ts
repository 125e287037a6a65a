/**
 * What the smoke check runs against, from a deployed stack's outputs (`pulumi stack output --json`,
 * or a file it wrote) or, for the local pipeline, from `Pulumi.<stack>.yaml` and the demo's S3
 * endpoint; flags override either.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { DEFAULT_PREFIXES, PROJECT } from "../../../components/builders/contracts";

export interface SmokeTarget {
    bucket: string;
    prefixes: { upload: string; output: string; status: string };
    /** The upload rule's key suffixes; empty means every key under the upload prefix. */
    keySuffixes: string[];
    /** An S3-compatible endpoint (the local pipeline); unset for AWS. */
    endpoint?: string;
    /** The AWS region (unset for a local endpoint). */
    region?: string;
    /** Where failure notifications are read: the alert topic (AWS) or the local topic's directory. */
    alerts: { topicArn: string } | { directory: string };
    /** Rules whose FailedInvocations must be zero, by name. */
    rules: string[];
    /** Dead-letter queues that must be empty, by URL. */
    deadLetterQueueUrls: string[];
}

/** A problem with how the check was asked to run (exit code 2). */
export class SmokeUsageError extends Error {}

/** The flags that name the target; any given one overrides the outputs. */
export interface TargetFlags {
    stack?: string;
    outputs?: string;
    endpoint?: string;
    bucket?: string;
    uploadPrefix?: string;
    outputPrefix?: string;
    statusPrefix?: string;
    keySuffixes?: string[];
    region?: string;
    alertTopicArn?: string;
    alertDir?: string;
    ruleArns?: string[];
    deadLetterQueueUrls?: string[];
}

type Outputs = Record<string, unknown>;

/** `pulumi stack output --json --stack NAME`; a clear error when the CLI is missing or fails. */
export function pulumiStackOutputs(stack: string, run: typeof spawnSync = spawnSync): Outputs {
    const r = run("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8", timeout: 120000 });
    if (r.error) {
        throw new SmokeUsageError(`could not run \`pulumi stack output --json --stack ${stack}\` (${r.error.message}); install the Pulumi CLI, or give --outputs FILE or the outputs as flags`);
    }
    if (r.status !== 0) {
        throw new SmokeUsageError(`\`pulumi stack output --json --stack ${stack}\` failed: ${String(r.stderr).trim()}`);
    }
    return parseOutputs(String(r.stdout), `pulumi stack output --stack ${stack}`);
}

function parseOutputs(text: string, source: string): Outputs {
    try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
            return parsed as Outputs;
        }
    } catch {
        // reported below
    }
    throw new SmokeUsageError(`${source}: not a JSON object of stack outputs`);
}

/** `arn:…:rule/NAME` or `arn:…:rule/BUS/NAME` → NAME. */
export function ruleName(ruleArn: string): string {
    const m = /^arn:[^:]+:events:[^:]*:\d{12}:rule\/(?:[^/]+\/)?([^/]+)$/.exec(ruleArn);
    if (!m) {
        throw new SmokeUsageError(`${JSON.stringify(ruleArn)} is not an EventBridge rule ARN; expected arn:aws:events:REGION:ACCOUNT:rule/NAME`);
    }
    return m[1];
}

/** `arn:aws:sns:REGION:…` → REGION. */
function arnRegion(arn: string): string | undefined {
    return /^arn:[^:]+:[^:]+:([a-z0-9-]+):/.exec(arn)?.[1];
}

function text(outputs: Outputs, key: string): string | undefined {
    const v = outputs[key];
    return typeof v === "string" && v !== "" ? v : undefined;
}

function list(outputs: Outputs, key: string): string[] | undefined {
    const v = outputs[key];
    return Array.isArray(v) && v.every((s) => typeof s === "string") ? (v as string[]) : undefined;
}

/** The repository root, where the Pulumi.<stack>.yaml files are. */
const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * What the local pipeline (`npm run demo -- --stack NAME`) stands for: the bucket it creates and the
 * prefixes and suffixes of Pulumi.<stack>.yaml, read as the stack's outputs would give them.
 */
export function localOutputs(stack: string, root = REPO_ROOT): Outputs {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new SmokeUsageError(`--stack: there is no Pulumi.${stack}.yaml for the local pipeline`);
    }
    const config = ((yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined)?.config ?? {}) as Record<string, unknown>;
    const value = (key: string) => config[`${PROJECT}:${key}`];
    return {
        bucketName: "demo-uploads",
        uploadPrefix: value("uploadPrefix") ?? DEFAULT_PREFIXES.upload,
        outputPrefix: value("outputPrefix") ?? DEFAULT_PREFIXES.output,
        statusPrefix: value("statusPrefix") ?? DEFAULT_PREFIXES.status,
        keySuffixes: value("keySuffixes") ?? [],
    };
}

/** Triggers that start one task per upload, whose failures the failure rule reports. */
const PER_UPLOAD_TRIGGERS = ["eventbridge", "lambda"];

export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env, stackOutputs: (stack: string) => Outputs = pulumiStackOutputs): SmokeTarget {
    const local = flags.endpoint !== undefined;
    if (flags.outputs !== undefined && flags.stack !== undefined && !local) {
        throw new SmokeUsageError("--stack and --outputs both name the outputs; give one");
    }
    let outputs: Outputs = {};
    if (flags.outputs !== undefined) {
        if (!fs.existsSync(flags.outputs)) {
            throw new SmokeUsageError(`--outputs: ${flags.outputs}: no such file; write it with \`pulumi stack output --json > FILE\``);
        }
        outputs = parseOutputs(fs.readFileSync(flags.outputs, "utf8"), flags.outputs);
    } else if (flags.stack !== undefined && !local) {
        outputs = stackOutputs(flags.stack);
    } else if (local) {
        outputs = localOutputs(flags.stack ?? "dev");
    }
    const trigger = text(outputs, "trigger");
    if (trigger !== undefined && !PER_UPLOAD_TRIGGERS.includes(trigger)) {
        throw new SmokeUsageError(`the stack's trigger is ${JSON.stringify(trigger)}; the smoke check needs a per-upload trigger (${PER_UPLOAD_TRIGGERS.join(" or ")})`);
    }
    const need = (value: string | undefined, what: string) => {
        if (value === undefined) {
            throw new SmokeUsageError(`no ${what}; give --stack NAME, --outputs FILE or the flag`);
        }
        return value;
    };
    const bucket = need(flags.bucket ?? text(outputs, "bucketName"), "bucket (--bucket, output bucketName)");
    const prefixes = {
        upload: need(flags.uploadPrefix ?? text(outputs, "uploadPrefix"), "upload prefix (--upload-prefix, output uploadPrefix)"),
        output: need(flags.outputPrefix ?? text(outputs, "outputPrefix"), "output prefix (--output-prefix, output outputPrefix)"),
        status: need(flags.statusPrefix ?? text(outputs, "statusPrefix"), "status prefix (--status-prefix, output statusPrefix)"),
    };
    const keySuffixes = flags.keySuffixes ?? list(outputs, "keySuffixes") ?? [];
    let alerts: SmokeTarget["alerts"];
    if (flags.alertDir !== undefined) {
        alerts = { directory: flags.alertDir };
    } else {
        const topicArn = flags.alertTopicArn ?? text(outputs, "alertTopicArn");
        if (topicArn === undefined) {
            throw new SmokeUsageError(local ? "no alert directory; give --alert-dir DIR (the demo's --alerts DIR)" : "no alert topic; give --stack NAME, --outputs FILE or --alert-topic-arn ARN");
        }
        alerts = { topicArn };
    }
    const ruleArns = flags.ruleArns ?? [text(outputs, "ruleArn"), text(outputs, "failureRuleArn")].filter((a): a is string => a !== undefined);
    const deadLetterQueueUrls =
        flags.deadLetterQueueUrls ??
        [text(outputs, "deadLetterQueueUrl"), text(outputs, "failureDeadLetterQueueUrl"), text(outputs, "scheduleDeadLetterQueueUrl")].filter((u): u is string => u !== undefined);
    const region = local ? undefined : flags.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined) ?? ("topicArn" in alerts ? arnRegion(alerts.topicArn) : undefined);
    if (!local && region === undefined) {
        throw new SmokeUsageError("no AWS region; give --region or set AWS_REGION");
    }
    return { bucket, prefixes, keySuffixes, endpoint: flags.endpoint, region, alerts, rules: ruleArns.map(ruleName), deadLetterQueueUrls };
}
