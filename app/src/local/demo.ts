/**
 * `npm run demo`: the pipeline on this machine. Starts a local S3 server, uploads a sample, a broken
 * file and a file the rule ignores (plus any files given or dropped into the watched folder), runs
 * the processor for each matching upload as the cloud would, shows progress, and serves the status
 * page until Ctrl-C.
 *
 *   npm run demo -- [--stack dev] [--data DIR] [--watch DIR] [--rows N] [--once] [--alerts DIR] [FILE…]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { startStatusServer } from "../status-page/server";
import { LocalAlertTopic } from "./alert-topic";
import { LocalPipeline, PipelineEvent, slackToText } from "./pipeline";
import { loadStackConfig } from "./stack";
import { brokenFile, sampleCsv } from "./sample";

export interface DemoOptions {
    stack: string;
    /** Where the local alert topic writes failure notifications (`--alerts DIR`); none when unset. */
    alertsDir?: string;
    dataDir?: string;
    watchDir?: string;
    rows: number;
    once: boolean;
    files: string[];
}

export class UsageError extends Error {}

export function parseDemoArgs(argv: string[]): DemoOptions {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                stack: { type: "string" },
                data: { type: "string" },
                watch: { type: "string" },
                rows: { type: "string" },
                once: { type: "boolean" },
                alerts: { type: "string" },
            },
        });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}; allowed: --stack NAME, --data DIR, --watch DIR, --rows N, --once, --alerts DIR, FILE…`);
    }
    const v = parsed.values;
    const rows = v.rows === undefined ? 20000 : Number(v.rows);
    if (!Number.isInteger(rows) || rows < 1 || rows > 10_000_000) {
        throw new UsageError(`--rows: ${JSON.stringify(v.rows)} is not a whole number from 1 to 10000000`);
    }
    for (const file of parsed.positionals) {
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
            throw new UsageError(`${file}: no such file; give paths of files to upload`);
        }
    }
    return { stack: v.stack ?? "dev", dataDir: v.data, watchDir: v.watch, rows, once: v.once ?? false, files: parsed.positionals, alertsDir: v.alerts };
}

export interface RunningDemo {
    pipeline: LocalPipeline;
    statusUrl: string;
    /** Uploads the initial files; resolves when they have all been processed. */
    initialUploads: Promise<void>;
    stop(): Promise<void>;
}

/** Prints one line per pipeline event. */
export function describeEvent(e: PipelineEvent, bucket: string): string {
    switch (e.type) {
        case "ignored":
            return `·  ${e.key}: ignored (the upload rule does not match it)`;
        case "started":
            return `▶  ${e.key}: processing`;
        case "progress":
            return `…  ${e.key}: ${e.rows.toLocaleString("en-US")} rows so far`;
        case "skipped":
            return `=  ${e.key}: already processed (same ETag), skipped`;
        case "succeeded":
            return `✔  ${e.key}: ${e.rows.toLocaleString("en-US")} rows in ${(e.durationMs / 1000).toFixed(1)} s\n   summary s3://${bucket}/${e.outputKey}\n   status  s3://${bucket}/${e.statusKey}`;
        case "failed":
            return [
                `✘  ${e.key}: failed, exit ${e.exitCode} (${e.errorClass}): ${e.message}`,
                `   status  s3://${bucket}/${e.statusKey}`,
                "   the Slack message the notifier would send:",
                ...slackToText(e.slack).split("\n").map((l) => `   │ ${l}`),
            ].join("\n");
    }
}

export async function startDemo(options: DemoOptions, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningDemo> {
    let bucket = "";
    // The failure rule and alert topic, local: failed runs' events land in --alerts DIR (see alert-topic.ts).
    const alertTopic = options.alertsDir === undefined ? undefined : LocalAlertTopic.open(options.alertsDir, { notifySpotInterruptions: loadStackConfig(options.stack).notifySpotInterruptions });
    const pipeline = await LocalPipeline.start({
        stack: options.stack,
        dataDir: options.dataDir,
        onEvent: (e) => {
            if (e.type === "failed") {
                alertTopic?.deliverTaskStateChange(e.taskStopped);
            }
            if (e.type !== "progress" || process.stdout.isTTY) {
                print(describeEvent(e, bucket));
            }
        },
    });
    bucket = pipeline.bucket;
    const status = await startStatusServer({
        s3: pipeline.s3.client,
        bucket,
        statusPrefix: pipeline.config.prefixes.status,
        linkExpirySeconds: 900,
        title: `Pipeline status — local demo (${options.stack})`,
        source: `s3://${bucket}/${pipeline.config.prefixes.status} on ${pipeline.endpoint}`,
    });
    const upload = pipeline.config.prefixes.upload;
    print(`Local S3 server  ${pipeline.endpoint}  (bucket ${bucket}, data in ${pipeline.s3.directory})`);
    print(`Rule             Object Created under ${upload}${pipeline.config.keySuffixes.length ? ` ending ${pipeline.config.keySuffixes.join(", ")}` : ""} (from Pulumi.${options.stack}.yaml)`);
    print(`Status page      ${status.url}`);
    if (alertTopic) {
        print(`Alert topic      ${alertTopic.directory} (failure notifications, one file each, as the SNS topic gets them)`);
    }

    let watcher: fs.FSWatcher | undefined;
    if (options.watchDir) {
        fs.mkdirSync(options.watchDir, { recursive: true });
        const seen = new Set<string>();
        watcher = fs.watch(options.watchDir, (_event, name) => {
            const file = name ? path.join(options.watchDir as string, name.toString()) : undefined;
            if (!file || seen.has(file)) {
                return;
            }
            setTimeout(() => {
                if (fs.existsSync(file) && fs.statSync(file).isFile() && !seen.has(file)) {
                    seen.add(file);
                    void pipeline.upload(`${upload}${path.basename(file)}`, fs.readFileSync(file));
                }
            }, 300);
        });
        print(`Watching         ${path.resolve(options.watchDir)} (files dropped here are uploaded to ${upload})`);
    }
    print("Ctrl-C stops everything.\n");

    const initialUploads = (async () => {
        const uploads: [string, string | Buffer][] = [
            [`${upload}sample.csv`, sampleCsv(options.rows)],
            [`${upload}broken.csv`, brokenFile()],
            [`${upload}notes.txt`, "not a data file\n"],
            ...options.files.map((f): [string, Buffer] => [`${upload}${path.basename(f)}`, fs.readFileSync(f)]),
        ];
        for (const [key, body] of uploads) {
            await pipeline.upload(key, body);
        }
        // Notifications are emitted after the upload returns; give them a moment to queue.
        await new Promise((r) => setTimeout(r, 200));
        await pipeline.waitIdle();
    })();

    let stopped: Promise<void> | undefined;
    return {
        pipeline,
        statusUrl: status.url,
        initialUploads,
        stop: () =>
            (stopped ??= (async () => {
                watcher?.close();
                await status.close();
                await pipeline.stop();
            })()),
    };
}

async function main(): Promise<number> {
    const options = parseDemoArgs(process.argv.slice(2));
    const demo = await startDemo(options);
    let interrupted = false;
    process.on("SIGINT", () => {
        if (interrupted) {
            process.exit(130);
        }
        interrupted = true;
        process.stdout.write("\nStopping…\n");
        void demo.stop().then(() => process.exit(0));
    });
    await demo.initialUploads;
    if (options.once) {
        await demo.stop();
        return 0;
    }
    process.stdout.write(`\nAll files processed. The status page stays up at ${demo.statusUrl} — drop more files${options.watchDir ? ` into ${options.watchDir}` : " with --watch DIR"}; Ctrl-C to stop.\n`);
    return new Promise<number>(() => undefined);
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`${e instanceof UsageError ? "usage" : "error"}: ${(e as Error).message}\n`);
            process.exit(e instanceof UsageError ? 2 : 1);
        },
    );
}
