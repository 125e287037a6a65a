/**
 * `npm run demo`: the pipeline on this machine. Starts a local S3 server, uploads a sample, a broken
 * file and a file the rule ignores (plus any files given or dropped into the watched folder), runs
 * the processor for each matching upload as the cloud would, shows progress, and serves the status
 * page until Ctrl-C. With `--data DIR`, a restart finishes whatever a crash or a stop left.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { HIDDEN_CHARACTERS, codePointLabel } from "../status-page/page";
import { startStatusServer } from "../status-page/server";
import { LocalAlertTopic } from "./alert-topic";
import { SHARED_OPTIONS, UsageError, parseEnvAssignments, parseOptions, runMain, splitCommand, wholeNumber } from "./command-line";
import { FailedEvent, LocalPipeline, PipelineEvent, slackToText } from "./pipeline";
import { loadStackConfig } from "./stack";
import { brokenFile, sampleCsv, sampleParquet } from "./sample";
import { FolderWatcher, watchFolder } from "./watch";

export const USAGE = `Usage: npm run demo -- [options] [FILE…]

Runs the pipeline on this machine: a local S3 server, the upload rule of Pulumi.<stack>.yaml, the
processor for each matching upload, and a live status page. Uploads sample.csv, broken.csv (fails
on purpose), notes.txt (ignored) and sample.parquet unless --no-samples, then each FILE.

Options:
  --stack NAME        stack whose Pulumi.<stack>.yaml gives prefixes and suffixes (default dev)
  --data DIR          keep objects and the queue in DIR; a restart on DIR resumes unfinished files
                      (default: a temporary folder, removed on exit)
  --watch DIR         upload each file in DIR once it stops changing, and again when it changes
  --create            create the --watch folder if it does not exist
  --rows N            rows of the generated sample.csv, 1 to 10000000 (default 20000)
  --no-samples        upload only the FILEs (and the --watch folder's files)
  --concurrency N     processors at once, 1 to 64 (default: the number of CPU cores, ${os.availableParallelism()} here)
  --runner pool|process
                      pool: warm processor processes, one file at a time each (default);
                      process: a new processor process per file
  --alerts DIR        write each failure notification the alert topic would get to DIR, one file each
  --command "CMD ARG…"
                      run your own job for each file instead of the built-in summariser, inside
                      the processor runtime (statuses, duplicate skip, outputs, SIGTERM), as
                      processor.command does in a deployed stack; words split as a shell would
                      (quotes, backslashes), nothing expanded: use "sh -c '…'" for pipes
  --env NAME=VALUE    a variable for the processors (and your command), as the task definition's
                      environment; repeat for more
  --once              process the initial files, print totals and exit: 0 when none failed, 1 when
                      any did (broken.csv always does: add --no-samples to check only your files)
  --help              show this help
`;

export interface DemoOptions {
    stack: string;
    /** Where the local alert topic writes failure notifications (`--alerts DIR`); none when unset. */
    alertsDir?: string;
    dataDir?: string;
    watchDir?: string;
    rows: number;
    /** Upload sample.csv, broken.csv, notes.txt and sample.parquet first. @default true */
    samples?: boolean;
    once: boolean;
    files: string[];
    /** @default the number of CPU cores */
    concurrency?: number;
    /** @default "pool" */
    runner?: "pool" | "process";
    /** --watch: how long a file must stay unchanged before it is uploaded. @default 1000 */
    stableMs?: number;
    /** --command: the job's command, run by the processor runtime. @default the summariser */
    command?: string[];
    /** --env: extra variables for the processors. @default {} */
    environment?: Record<string, string>;
}

export { UsageError };

const OPTION_NAMES = ["--stack", "--data", "--watch", "--create", "--rows", "--no-samples", "--concurrency", "--runner", "--command", "--env", "--once", "--alerts", "--help"];

/** The demo's options, or "help"; a UsageError names what was wrong and what is allowed. */
export function parseDemoArgs(argv: string[]): DemoOptions | "help" {
    const parsed = parseOptions(
        argv,
        {
            allowPositionals: true,
            options: {
                ...SHARED_OPTIONS,
                data: { type: "string" },
                watch: { type: "string" },
                create: { type: "boolean" },
                rows: { type: "string" },
                "no-samples": { type: "boolean" },
                concurrency: { type: "string" },
                runner: { type: "string" },
                once: { type: "boolean" },
                alerts: { type: "string" },
            },
        },
        (error) => {
            const option = /'(-[^' ]+)/.exec(error.message)?.[1];
            const what =
                error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
                    ? `unknown option ${option ?? ""}`
                    : error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
                      ? `${option ?? "an option"} needs a value`
                      : error.message;
            return `${what}; the options are ${OPTION_NAMES.join(", ")} (see --help)`;
        },
    );
    const v = parsed.values;
    if (v.help) {
        return "help";
    }
    const rows = wholeNumber("--rows", v.rows, 20000, 1, 10_000_000);
    const concurrency = v.concurrency === undefined ? undefined : wholeNumber("--concurrency", v.concurrency, 1, 1, 64);
    if (v.runner !== undefined && v.runner !== "pool" && v.runner !== "process") {
        throw new UsageError(`--runner: ${JSON.stringify(v.runner)} is not one of pool, process`);
    }
    if (v.once && v.watch !== undefined) {
        throw new UsageError("--once and --watch cannot be combined: --once exits when the initial files are done, --watch waits for more");
    }
    if (v.create && v.watch === undefined) {
        throw new UsageError("--create applies to the --watch folder; give --watch DIR too");
    }
    if (v.watch !== undefined && !v.create && !fs.existsSync(v.watch)) {
        throw new UsageError(`--watch: ${v.watch} does not exist; create it, or add --create`);
    }
    if (v.watch !== undefined && fs.existsSync(v.watch) && !fs.statSync(v.watch).isDirectory()) {
        throw new UsageError(`--watch: ${v.watch} is not a folder`);
    }
    for (const file of parsed.positionals) {
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
            throw new UsageError(`${file}: no such file; give paths of files to upload`);
        }
    }
    const command = v.command === undefined ? undefined : splitCommand(v.command);
    const environment = v.env === undefined ? undefined : parseEnvAssignments(v.env);
    return {
        stack: v.stack ?? "dev",
        dataDir: v.data,
        watchDir: v.watch,
        rows,
        samples: !v["no-samples"],
        once: v.once ?? false,
        files: parsed.positionals,
        concurrency,
        runner: v.runner as DemoOptions["runner"],
        alertsDir: v.alerts,
        command,
        environment,
    };
}

/** A key for a terminal: control, hidden and bidi characters as `\u{…}` (they could rewrite the screen or disguise a name). */
export function printable(key: string): string {
    return key.replace(HIDDEN_CHARACTERS, (ch) => `\\u{${codePointLabel(ch).slice(2)}}`);
}

/** Files per outcome, for `--once` and the end of a run. */
export interface Totals {
    succeeded: number;
    failed: number;
    ignored: number;
    skipped: number;
    interrupted: number;
}

export function totalsLine(t: Totals): string {
    const extra = [t.skipped ? `${t.skipped} skipped (already processed)` : "", t.interrupted ? `${t.interrupted} interrupted` : ""].filter(Boolean);
    return `Totals: ${t.succeeded} succeeded, ${t.failed} failed, ${t.ignored} ignored${extra.length ? `, ${extra.join(", ")}` : ""}`;
}

export interface RunningDemo {
    pipeline: LocalPipeline;
    statusUrl: string;
    totals: Totals;
    /** Uploads the initial files; resolves when they and everything queued have been processed. */
    initialUploads: Promise<void>;
    /** Stops everything; resolves with the number of files left queued for the next start. */
    stop(): Promise<{ pending: number }>;
}

/** Outputs of one file listed in its line; the status lists them all. */
const MAX_OUTPUTS_PRINTED = 10;

/** One line (or a few) per pipeline event; failed files go through reportFailedFile. */
export function describeEvent(e: Exclude<PipelineEvent, FailedEvent>, bucket: string): string {
    const key = "key" in e ? printable(e.key) : "";
    switch (e.type) {
        case "ignored":
            return `·  ${key}: ignored (the upload rule does not match it)`;
        case "resumed":
            return (
                `↻  resuming ${e.files} unfinished upload${e.files === 1 ? "" : "s"} from the last run` +
                (e.running ? ` (${e.running} left running by a stopped or crashed run)` : "") +
                (e.interrupted ? ` (${e.interrupted} interrupted)` : "") +
                (e.leftoverProcesses ? `; ended ${e.leftoverProcesses} leftover processor process${e.leftoverProcesses === 1 ? "" : "es"}` : "")
            );
        case "started":
            return `▶  ${key}: processing`;
        case "progress":
            return `…  ${key}: ${e.rows.toLocaleString("en-US")} rows so far`;
        case "skipped":
            return `=  ${key}: skipped (${e.reason})`;
        case "interrupted":
            return `■  ${key}: interrupted (SIGTERM, exit ${e.exitCode}); status interrupted`;
        case "requeued":
            return `↻  ${key}: the processor was killed (${e.signal ?? "signal"}, exit ${e.exitCode}); queued again`;
        case "succeeded": {
            const what = e.rows === undefined ? "done" : `${e.rows.toLocaleString("en-US")} rows`;
            const shown = e.outputKeys.slice(0, MAX_OUTPUTS_PRINTED).map((k) => `   ${k.endsWith(".summary.json") ? "summary" : "output "} s3://${bucket}/${printable(k)}`);
            const more = e.outputKeys.length > MAX_OUTPUTS_PRINTED ? [`   … and ${e.outputKeys.length - MAX_OUTPUTS_PRINTED} more outputs (listed in the status)`] : [];
            return [`✔  ${key}: ${what} in ${(e.durationMs / 1000).toFixed(1)} s`, ...shown, ...more, `   status  s3://${bucket}/${printable(e.statusKey)}`].join("\n");
        }
        case "shard-started":
            return `▶  ${key}: shard ${e.shard} started (attempt ${e.attempt}, ${e.taskArn.slice(e.taskArn.lastIndexOf("/") + 1)})`;
        case "shard-exited":
            return `${e.exitCode === 0 ? "·" : "✘"}  ${key}: shard ${e.shard} (attempt ${e.attempt}) exited ${e.exitCode}${e.signal ? ` (${e.signal})` : ""}`;
    }
}

/**
 * A file whose final status is `failed`: the lines the demo prints, with the Slack message the
 * notifier would send. Every final failure of the demo goes through here.
 */
export function reportFailedFile(e: FailedEvent, bucket: string, print: (line: string) => void): void {
    const how = e.signal ? `killed by ${e.signal} (exit ${e.exitCode})` : `exit ${e.exitCode}`;
    print(
        [
            `✘  ${printable(e.key)}: failed, ${how} (${e.errorClass}): ${printable(e.message)}`,
            `   status  s3://${bucket}/${printable(e.statusKey)}`,
            "   the Slack message the notifier would send:",
            ...slackToText(e.slack).split("\n").map((l) => `   │ ${printable(l)}`),
        ].join("\n"),
    );
}

export async function startDemo(options: DemoOptions, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningDemo> {
    let bucket = "";
    // The failure rule and alert topic, local: failed runs' events land in --alerts DIR (see alert-topic.ts).
    const alertTopic = options.alertsDir === undefined ? undefined : LocalAlertTopic.open(options.alertsDir, { notifySpotInterruptions: loadStackConfig(options.stack).notifySpotInterruptions });
    const totals: Totals = { succeeded: 0, failed: 0, ignored: 0, skipped: 0, interrupted: 0 };
    const early: PipelineEvent[] = [];
    const onEvent = (e: PipelineEvent) => {
        if (bucket === "") {
            // Events from the resume, before the header is printed.
            early.push(e);
            return;
        }
        if (e.type === "succeeded" || e.type === "failed" || e.type === "ignored" || e.type === "skipped" || e.type === "interrupted") {
            totals[e.type]++;
        }
        if (e.type === "failed") {
            alertTopic?.deliverTaskStateChange(e.taskStopped);
            reportFailedFile(e, bucket, print);
        } else if (e.type !== "progress" || process.stdout.isTTY) {
            print(describeEvent(e, bucket));
        }
    };
    const pipeline = await LocalPipeline.start({
        stack: options.stack,
        dataDir: options.dataDir,
        concurrency: options.concurrency,
        runner: options.runner,
        command: options.command,
        environment: options.environment,
        onEvent,
    });
    const status = await startStatusServer({
        s3: pipeline.s3.client,
        bucket: pipeline.bucket,
        statusPrefix: pipeline.config.prefixes.status,
        linkExpirySeconds: 900,
        title: `Pipeline status — local demo (${options.stack})`,
        source: `s3://${pipeline.bucket}/${pipeline.config.prefixes.status} on ${pipeline.endpoint}`,
    });
    const upload = pipeline.config.prefixes.upload;
    print(`Local S3 server  ${pipeline.endpoint}  (bucket ${pipeline.bucket}, data in ${pipeline.dataDir}${options.dataDir ? "" : ", removed on exit"})`);
    print(`Rule             Object Created under ${upload}${pipeline.config.keySuffixes.length ? ` ending ${pipeline.config.keySuffixes.join(", ")}` : ""} (from Pulumi.${options.stack}.yaml)`);
    print(`Processors       ${pipeline.concurrency} at once (${pipeline.runner.kind === "pool" ? "warm processes, one file at a time each" : "a new process per file"})`);
    print(`Job              ${options.command ? `your command, run by the processor runtime for each file: ${options.command.map((w) => printable(JSON.stringify(w))).join(" ")}` : "the built-in summariser"}`);
    print(`Status page      ${status.url}`);
    if (alertTopic) {
        print(`Alert topic      ${alertTopic.directory} (failure notifications, one file each, as the SNS topic gets them)`);
    }
    bucket = pipeline.bucket;
    early.forEach(onEvent);

    const uploadOne = async (key: string, body: string | Buffer | Readable): Promise<void> => {
        try {
            await pipeline.upload(key, body);
        } catch (e) {
            totals.failed++;
            print(`✘  ${printable(key)}: upload refused: ${(e as Error).name}: ${printable((e as Error).message)}`);
        }
    };

    let watcher: FolderWatcher | undefined;
    if (options.watchDir) {
        fs.mkdirSync(options.watchDir, { recursive: true });
        watcher = watchFolder(options.watchDir, {
            stableMs: options.stableMs,
            upload: (file, name) => pipeline.upload(`${upload}${name}`, fs.createReadStream(file)),
            onError: (message) => print(`✘  --watch: ${printable(message)}`),
        });
        print(`Watching         ${path.resolve(options.watchDir)} (each file is uploaded to ${upload} once it stops changing, and again when it changes)`);
    }
    if (!options.once) {
        print("Ctrl-C stops everything.\n");
    }

    const initialUploads = (async () => {
        if (options.samples !== false) {
            await uploadOne(`${upload}sample.csv`, sampleCsv(options.rows));
            await uploadOne(`${upload}broken.csv`, brokenFile());
            await uploadOne(`${upload}notes.txt`, "not a data file\n");
            await uploadOne(`${upload}sample.parquet`, sampleParquet());
        }
        for (const file of options.files) {
            await uploadOne(`${upload}${path.basename(file)}`, fs.createReadStream(file));
        }
        await pipeline.waitIdle();
    })();

    let stopped: Promise<{ pending: number }> | undefined;
    return {
        pipeline,
        statusUrl: status.url,
        totals,
        initialUploads,
        stop: () =>
            (stopped ??= (async () => {
                watcher?.close();
                await status.close();
                return pipeline.stop();
            })()),
    };
}

async function main(): Promise<number> {
    const parsed = parseDemoArgs(process.argv.slice(2));
    if (parsed === "help") {
        process.stdout.write(USAGE);
        return 0;
    }
    const options = parsed;
    const demo = await startDemo(options);
    const pendingLine = (pending: number) =>
        pending === 0
            ? ""
            : options.dataDir
              ? `${pending} file${pending === 1 ? "" : "s"} still queued: they run when the demo starts again with --data ${options.dataDir}\n`
              : `${pending} file${pending === 1 ? "" : "s"} still queued were discarded with the temporary data folder (use --data DIR to keep them)\n`;
    // Ctrl-C (or SIGTERM) stops everything cleanly; a second one exits at once.
    let interrupted = false;
    const onStopSignal = (signal: NodeJS.Signals) => {
        if (interrupted) {
            process.exit(signal === "SIGINT" ? 130 : 143);
        }
        interrupted = true;
        process.stdout.write("\nStopping…\n");
        void demo.stop().then(({ pending }) => {
            process.stdout.write(`${totalsLine(demo.totals)}\n${pendingLine(pending)}`);
            process.exit(0);
        });
    };
    process.on("SIGINT", onStopSignal);
    process.on("SIGTERM", onStopSignal);
    await demo.initialUploads;
    if (options.once) {
        const { pending } = await demo.stop();
        process.stdout.write(`\n${totalsLine(demo.totals)}\n${pendingLine(pending)}`);
        return demo.totals.failed > 0 ? 1 : 0;
    }
    process.stdout.write(`\nAll files processed. The status page stays up at ${demo.statusUrl} — drop more files${options.watchDir ? ` into ${options.watchDir}` : " with --watch DIR"}; Ctrl-C to stop.\n`);
    return new Promise<number>(() => undefined);
}

if (require.main === module) {
    runMain(main);
}
