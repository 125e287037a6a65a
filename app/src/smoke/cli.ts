/**
 * `npm run smoke`: proves a deployed stack (or the local pipeline) works end to end. See run.ts for
 * the steps and docs/deploying.md ("First deploy") for what it proves.
 *
 *   npm run smoke -- --stack dev                       outputs from `pulumi stack output --json`
 *   npm run smoke -- --outputs outputs.json            outputs from a file that command wrote
 *   npm run smoke -- --stack dev --endpoint URL --alert-dir DIR   the local pipeline (npm run demo -- --alerts DIR)
 *
 * Exit codes: 0 passed; 1 a step failed (named on the last line); 2 bad usage; 130 / 143
 * interrupted by SIGINT / SIGTERM (after cleaning up).
 */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { randomBytes } from "crypto";
import { parseArgs } from "util";
import { openLocalInbox, openSqsInbox } from "./alerts";
import { SmokeResult, STEP_NAMES, runSmoke } from "./run";
import { SmokeTarget, SmokeUsageError, TargetFlags, resolveTarget } from "./target";

export const USAGE = `npm run smoke -- [options]

Where the stack is (one of):
  --stack NAME               outputs from \`pulumi stack output --json --stack NAME\` (needs the Pulumi CLI)
  --outputs FILE             outputs from a file \`pulumi stack output --json\` wrote
  --stack NAME --endpoint URL --alert-dir DIR
                             the local pipeline: \`npm run demo -- --stack NAME --alerts DIR\`, its S3 endpoint
Outputs given as flags (override the above):
  --bucket NAME  --upload-prefix P  --output-prefix P  --status-prefix P  --key-suffix S (repeatable)
  --alert-topic-arn ARN  --rule-arn ARN (repeatable)  --dead-letter-queue-url URL (repeatable)  --region R
How:
  --rows N                   data rows in the file that must succeed (default 5)
  --timeout-seconds N        longest wait for a status document or a notification (default 600)
  --lookback-minutes N       how far back FailedInvocations are read (default 60)
  --slack                    let the expected failure's notification reach Slack (default: it does not)
  --help`;

/** A second signal within this time is the same interruption delivered twice. */
const DUPLICATE_SIGNAL_MS = 2000;

export interface CliOptions {
    target: SmokeTarget;
    rows: number;
    timeoutMs: number;
    lookbackMinutes: number;
    slack: boolean;
}

function wholeNumber(flag: string, value: string | undefined, fallback: number, min: number, max: number): number {
    if (value === undefined) {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw new SmokeUsageError(`${flag}: ${JSON.stringify(value)} is not a whole number from ${min} to ${max}`);
    }
    return n;
}

export function parseSmokeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env, stackOutputs?: Parameters<typeof resolveTarget>[2]): CliOptions | "help" {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                outputs: { type: "string" },
                endpoint: { type: "string" },
                bucket: { type: "string" },
                "upload-prefix": { type: "string" },
                "output-prefix": { type: "string" },
                "status-prefix": { type: "string" },
                "key-suffix": { type: "string", multiple: true },
                region: { type: "string" },
                "alert-topic-arn": { type: "string" },
                "alert-dir": { type: "string" },
                "rule-arn": { type: "string", multiple: true },
                "dead-letter-queue-url": { type: "string", multiple: true },
                rows: { type: "string" },
                "timeout-seconds": { type: "string" },
                "lookback-minutes": { type: "string" },
                slack: { type: "boolean" },
                help: { type: "boolean" },
            },
        });
    } catch (e) {
        throw new SmokeUsageError(`${(e as Error).message}; see --help`);
    }
    const v = parsed.values;
    if (v.help) {
        return "help";
    }
    if (v.stack === undefined && v.outputs === undefined && v.bucket === undefined) {
        throw new SmokeUsageError("say which stack: --stack NAME, --outputs FILE, or the outputs as flags; see --help");
    }
    const flags: TargetFlags = {
        stack: v.stack,
        outputs: v.outputs,
        endpoint: v.endpoint,
        bucket: v.bucket,
        uploadPrefix: v["upload-prefix"],
        outputPrefix: v["output-prefix"],
        statusPrefix: v["status-prefix"],
        keySuffixes: v["key-suffix"],
        region: v.region,
        alertTopicArn: v["alert-topic-arn"],
        alertDir: v["alert-dir"],
        ruleArns: v["rule-arn"],
        deadLetterQueueUrls: v["dead-letter-queue-url"],
    };
    return {
        target: resolveTarget(flags, env, stackOutputs),
        rows: wholeNumber("--rows", v.rows, 5, 1, 100000),
        timeoutMs: wholeNumber("--timeout-seconds", v["timeout-seconds"], 600, 1, 86400) * 1000,
        lookbackMinutes: wholeNumber("--lookback-minutes", v["lookback-minutes"], 60, 1, 1440),
        slack: v.slack ?? false,
    };
}

/** The last line: what passed, or which step failed. */
export function verdict(result: SmokeResult, elapsedMs: number): string {
    const time = `${(elapsedMs / 1000).toFixed(1)} s`;
    if (result.ok) {
        return `smoke check passed in ${time} (${STEP_NAMES.length} steps)`;
    }
    if (result.interrupted) {
        return `smoke check INTERRUPTED during step "${result.failedStep}" after ${time}; cleaned up`;
    }
    return `smoke check FAILED at step ${STEP_NAMES.indexOf(result.failedStep as (typeof STEP_NAMES)[number]) + 1} "${result.failedStep}" after ${time}`;
}

export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
    let options: CliOptions | "help";
    try {
        options = parseSmokeArgs(argv);
    } catch (e) {
        if (e instanceof SmokeUsageError) {
            process.stderr.write(`usage: ${e.message}\n`);
            return 2;
        }
        throw e;
    }
    if (options === "help") {
        out(USAGE);
        return 0;
    }
    const { target } = options;
    const local = target.endpoint !== undefined;
    const runId = `${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}-${randomBytes(3).toString("hex")}`;
    // The local S3 server's client (and its credentials) only for the local pipeline: s3rver is a development dependency.
    const s3 = local ? (await import("../local/s3-server")).localS3Client(target.endpoint as string) : new S3Client({ region: target.region });
    const sqs = local ? undefined : new SQSClient({ region: target.region });
    const sns = local ? undefined : new SNSClient({ region: target.region });
    const cloudwatch = local ? undefined : new CloudWatchClient({ region: target.region });

    const controller = new AbortController();
    let signalCode: number | undefined;
    let firstSignalAt = 0;
    const onSignal = (name: NodeJS.Signals, code: number) => () => {
        if (signalCode !== undefined) {
            // A terminal's Ctrl-C reaches this process and npm, which forwards it: one interruption, two signals.
            if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) {
                return;
            }
            out(`${name} again: leaving without cleaning up`);
            process.exit(code);
        }
        signalCode = code;
        firstSignalAt = Date.now();
        out(`${name}: stopping the current step, then cleaning up (${name} again to leave at once)`);
        controller.abort();
    };
    const sigint = onSignal("SIGINT", 130);
    const sigterm = onSignal("SIGTERM", 143);
    process.on("SIGINT", sigint);
    process.on("SIGTERM", sigterm);

    out(`smoke check ${runId} of s3://${target.bucket} (${local ? `local pipeline at ${target.endpoint}` : `region ${target.region}`})`);
    const started = Date.now();
    try {
        const result = await runSmoke(
            {
                target,
                runId,
                rows: options.rows,
                timeoutMs: options.timeoutMs,
                pollMs: local ? 250 : 2000,
                slack: options.slack,
                lookbackMinutes: options.lookbackMinutes,
                signal: controller.signal,
                print: out,
                openInbox: async () =>
                    "directory" in target.alerts
                        ? openLocalInbox(target.alerts.directory)
                        : openSqsInbox({ sqs: sqs as SQSClient, sns: sns as SNSClient, topicArn: target.alerts.topicArn, queueName: `smoke-check-${runId}` }),
            },
            { s3, sqs, cloudwatch },
        );
        out(verdict(result, Date.now() - started));
        return result.interrupted ? (signalCode ?? 130) : result.ok ? 0 : 1;
    } finally {
        // The signal handlers stay until the process exits: a signal arriving after the clean-up (npm forwarding
        // the one already handled) must not kill the process and lose its exit code.
        for (const client of [s3, sqs, sns, cloudwatch]) {
            client?.destroy();
        }
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`error: ${(e as Error).message}\n`);
            process.exit(1);
        },
    );
}
