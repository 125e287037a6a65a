/**
 * The whole pipeline on one machine: a real S3-compatible server, its object-created notifications
 * routed through the upload rule's pattern and input transformer (the same builders the cloud uses),
 * and the processor run for each matching upload with exactly the environment the task would get
 * (runner.ts: warm hosts by default, or a process per file).
 *
 * Nothing is lost to a crash or a stop: every matching upload is queued on disk (state.ts) until it
 * has a final outcome, and on start the pipeline resumes what the last run left and then runs the
 * same catch-up as the cloud's scheduled batch mode — every upload the rule matches without a final
 * status (succeeded or failed) for its current ETag is processed. A status found `running` at start
 * was left by a dead owner (the folder's lock proves the last pipeline is gone) and is re-queued; a
 * processor killed by a signal while the pipeline runs is re-queued once, and a second kill is
 * recorded as a failure with the signal, so every upload ends with one final status.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { RESERVED_ENVIRONMENT, processorContainerDefinition, shardingEnvironment } from "../../../components/builders";
import type { StackConfig } from "../../../components/stack-config";
import { formatNotification } from "../notifier/format";
import type { SlackMessage } from "../notifier/format";
import { listObjects } from "../processor/batch";
import { readJson, writeJson } from "../processor/s3";
import { programProblem } from "../processor/command";
import { StatusDocument, statusKey } from "../processor/status";
import { LOCAL_ACCOUNT, LOCAL_REGION, Route, objectCreatedEvent, routeEvent, uploadRoute } from "./events";
import { PoolRunner, ProcessRunner, ProcessorRunner, RunResult, signalOfExitCode } from "./runner";
import { LOCAL_CREDENTIALS, LocalS3Server, ObjectCreatedRecord, startLocalS3 } from "./s3-server";
import { REPO_ROOT, loadStackConfig } from "./stack";
import { PipelineState, QueuedFile, queueId } from "./state";
import { childNodePath, transpileTree } from "../transpile";
import { LocalEcs, StartedTask, startLocalEcs } from "./ecs-server";

const CONTAINER = "processor";
const PROCESSOR_MAIN = path.join(REPO_ROOT, "app", "src", "processor", "main.ts");
const PROCESSOR_HOST = path.join(REPO_ROOT, "app", "src", "local", "processor-host.ts");
/** A processor killed by a signal is re-queued this many times before its kill is recorded as a failure. */
const REQUEUES_AFTER_KILL = 1;

export type PipelineEvent =
    | { type: "ignored"; key: string }
    /** On start: uploads left unfinished by the last run (or never processed), queued again. */
    | { type: "resumed"; files: number; running: number; interrupted: number; leftoverProcesses: number }
    | { type: "started"; key: string }
    | { type: "progress"; key: string; rows: number }
    /** `rows` when the job reported them (the summariser always does; a command through its .status.json). */
    | { type: "succeeded"; key: string; rows?: number; durationMs: number; outputKeys: string[]; statusKey: string }
    | { type: "skipped"; key: string; reason: string }
    /** Stopped by SIGTERM (the pipeline stopping, or someone else): status `interrupted`. */
    | { type: "interrupted"; key: string; exitCode: number }
    /** Killed by a signal mid-file; its `running` status has a dead owner, so it runs again. */
    | { type: "requeued"; key: string; exitCode: number; signal?: string }
    | { type: "failed"; key: string; exitCode: number; signal?: string; errorClass: string; message: string; statusKey: string; slack: SlackMessage; taskStopped: Record<string, unknown> }
    /** A shard task a coordinator started with RunTask (docs/sharding.md); `pid`: the process that runs it. */
    | { type: "shard-started"; key: string; shard: number; attempt: number; taskArn: string; pid?: number }
    | { type: "shard-exited"; key: string; shard: number; attempt: number; taskArn: string; exitCode: number; signal?: string };

export type FailedEvent = Extract<PipelineEvent, { type: "failed" }>;

export interface LocalPipelineOptions {
    /** Whose Pulumi.<stack>.yaml gives the prefixes, suffixes and task settings. @default "dev" */
    stack?: string;
    /**
     * Where the objects (`objects/`) and the pipeline's queue and compiled processor (`state/`) are
     * kept. @default a temporary directory, removed on stop
     */
    dataDir?: string;
    /** @default "demo-uploads" */
    bucket?: string;
    /** Processors running at once. @default the number of CPU cores */
    concurrency?: number;
    /** How the processor runs (runner.ts). @default "pool" */
    runner?: "pool" | "process";
    /**
     * What the `process` runner starts for each file instead of the processor (it reads the file from
     * its environment, and gets no processor runtime around it). Cannot be combined with `command`.
     * @default node and the processor's entry point, compiled to JavaScript at start
     */
    processorCommand?: string[];
    /**
     * The job's command, run by the processor runtime for each file (statuses, duplicate skip,
     * outputs, signals), as `processor.command` is in a deployed stack. Either runner.
     * @default the built-in summariser
     */
    command?: string[];
    /**
     * Extra variables for the processors, as the task definition's `environment` (COMMAND_GRACE_MS,
     * COMMAND_STDIN, a command's own settings, …); the pipeline's own cannot be replaced.
     * @default {}
     */
    environment?: Record<string, string>;
    /** The processors' (and so a command's) working directory. @default this process's */
    cwd?: string;
    onEvent?: (event: PipelineEvent) => void;
    /** Every JSON log line a processor writes, with the upload it is processing. */
    onLog?: (key: string, entry: Record<string, unknown>) => void;
    /** Errors inside the local S3 server (each also fails its request with a 500). @default stderr */
    log?: (line: string) => void;
}

interface Job extends QueuedFile {
    /** Times it was killed by a signal in this run. */
    kills: number;
}

/** The processor as plain JavaScript, transpiled from app/src into `outDir` (replaced whole). */
function buildProcessor(outDir: string): { main: string; host: string } {
    const staging = `${outDir}.${process.pid}.tmp`;
    fs.rmSync(staging, { recursive: true, force: true });
    const built = transpileTree(REPO_ROOT, [PROCESSOR_MAIN, PROCESSOR_HOST], staging);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
    const at = (source: string) => path.join(outDir, path.relative(staging, built.get(source) as string));
    return { main: at(PROCESSOR_MAIN), host: at(PROCESSOR_HOST) };
}

/** A command the processors can start from `cwd`, or a clear error naming what is wrong. */
function checkCommand(command: readonly string[] | undefined, cwd: string | undefined): void {
    if (command === undefined) {
        return;
    }
    if (command.length === 0 || command[0] === "") {
        throw new Error("command is empty; give the program and its arguments, e.g. [\"python3\", \"examples/group-totals/main.py\"]");
    }
    const problem = programProblem(command[0], process.env.PATH, cwd);
    if (problem !== undefined) {
        throw new Error(`command: ${JSON.stringify(command[0])} ${problem}`);
    }
}

/** Extra processor variables may not replace the ones the pipeline sets (as the task definition's may not). */
function checkEnvironment(environment: Record<string, string>): void {
    for (const name of Object.keys(environment)) {
        if ((RESERVED_ENVIRONMENT as readonly string[]).includes(name) || /^(S3_(BUCKET|KEY|ENDPOINT)|AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY)|PATH|NODE_PATH)$/.test(name)) {
            throw new Error(`environment.${name} is set by the pipeline; choose another variable name`);
        }
    }
}

function isFinalFor(status: StatusDocument | undefined, etag: string | undefined): boolean {
    return (status?.state === "succeeded" || status?.state === "failed") && (etag === undefined || status.etag === etag);
}

export class LocalPipeline {
    private readonly queue: Job[] = [];
    private readonly active = new Map<Job, Promise<void>>();
    private idleWaiters: (() => void)[] = [];
    private stopping = false;
    private stopped?: Promise<{ pending: number }>;
    private readonly route: Route;
    private readonly taskEnv: Record<string, string>;
    /** With sharding on: RunTask and the task metadata endpoint, and the runner of shard tasks (of the files' kind, its own processes). */
    private ecs?: LocalEcs;
    private shardRunner?: ProcessorRunner;
    private readonly shardTasks = new Set<Promise<void>>();

    private constructor(
        readonly s3: LocalS3Server,
        readonly bucket: string,
        readonly config: StackConfig,
        readonly stack: string,
        readonly concurrency: number,
        readonly runner: ProcessorRunner,
        readonly dataDir: string,
        private readonly ownsDataDir: boolean,
        private readonly state: PipelineState,
        private readonly environment: Record<string, string>,
        private readonly onEvent: (event: PipelineEvent) => void,
        private readonly onLog?: (key: string, entry: Record<string, unknown>) => void,
    ) {
        this.route = uploadRoute(bucket, config.prefixes.upload, config.keySuffixes, CONTAINER);
        this.taskEnv = this.taskEnvironment();
        s3.onObjectCreated((record) => this.onObjectCreated(record));
    }

    static async start(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
        const stack = options.stack ?? "dev";
        const config = loadStackConfig(stack);
        const concurrency = options.concurrency ?? os.availableParallelism();
        if (!Number.isInteger(concurrency) || concurrency < 1) {
            throw new RangeError(`concurrency: ${concurrency} is not a whole number of at least 1`);
        }
        if (options.processorCommand !== undefined && options.runner !== "process") {
            throw new Error(`processorCommand is run by the process runner; runner is ${JSON.stringify(options.runner ?? "pool")} (give runner: "process")`);
        }
        if (options.processorCommand !== undefined && options.command !== undefined) {
            throw new Error("processorCommand replaces the processor; command runs inside it: give one or the other");
        }
        checkCommand(options.command, options.cwd);
        checkEnvironment(options.environment ?? {});
        const owned = options.dataDir === undefined;
        const dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "local-pipeline-")));
        fs.mkdirSync(dataDir, { recursive: true });
        const state = PipelineState.open(path.join(dataDir, "state"));
        let s3: LocalS3Server | undefined;
        try {
            const leftoverProcesses = state.endLeftoverChildren();
            const built = buildProcessor(path.join(dataDir, "state", "build"));
            s3 = await startLocalS3({ directory: path.join(dataDir, "objects"), log: options.log });
            const bucket = options.bucket ?? "demo-uploads";
            await s3.createBucket(bucket);
            const runnerOptions = {
                cwd: options.cwd,
                baseEnv: {
                    PATH: process.env.PATH ?? "",
                    NODE_PATH: childNodePath(REPO_ROOT),
                    // The AWS SDK's Node.js version notice, once per process, is noise here.
                    NODE_NO_WARNINGS: "1",
                    S3_ENDPOINT: s3.endpoint,
                    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
                    AWS_EMF_ENVIRONMENT: "Local",
                },
                onSpawn: (pid: number) => state.childStarted(pid),
                onExit: (pid: number) => state.childExited(pid),
            };
            const command = options.command ?? [];
            const newRunner = (processCommand: readonly string[]): ProcessorRunner =>
                options.runner === "process" ? new ProcessRunner(processCommand, runnerOptions) : new PoolRunner(built.host, { ...runnerOptions, command });
            const runner = newRunner(options.processorCommand ?? [process.execPath, built.main, ...command]);
            const pipeline = new LocalPipeline(s3, bucket, config, stack, concurrency, runner, dataDir, owned, state, options.environment ?? {}, options.onEvent ?? (() => undefined), options.onLog);
            if (pipeline.taskEnv.SHARD_ABOVE_BYTES !== undefined) {
                // Shard tasks run as the files do (warm hosts or a process each), apart from them: a shard never waits for a file's processor.
                pipeline.shardRunner = newRunner([process.execPath, built.main, ...command]);
                pipeline.ecs = await startLocalEcs({ family: `${stack}-processor`, container: CONTAINER, onRunTask: (task) => pipeline.runShardTask(task) });
            }
            await pipeline.resume(leftoverProcesses);
            return pipeline;
        } catch (e) {
            await s3?.close();
            state.release();
            if (owned) {
                fs.rmSync(dataDir, { recursive: true, force: true });
            }
            throw e;
        }
    }

    get endpoint(): string {
        return this.s3.endpoint;
    }

    /** Files queued or being processed, and shard tasks running. */
    get pendingCount(): number {
        return this.queue.length + this.active.size + this.shardTasks.size;
    }

    /** Uploads an object (a string, bytes, or a stream of any size); its notification queues it if the rule matches. */
    async upload(key: string, body: string | Buffer | Readable): Promise<void> {
        if (body instanceof Readable) {
            await new Upload({ client: this.s3.client, params: { Bucket: this.bucket, Key: key, Body: body }, queueSize: 1, leavePartsOnError: false }).done();
            return;
        }
        // As bytes: the SDK sends an empty string without a Content-Length and warns about a stream of unknown length.
        await this.s3.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: typeof body === "string" ? Buffer.from(body) : body }));
    }

    /** Resolves when nothing is queued or running. */
    waitIdle(): Promise<void> {
        if (this.pendingCount === 0) {
            return Promise.resolve();
        }
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    /**
     * Stops the processors (SIGTERM, as ECS does: each records `interrupted`), then the server.
     * What is still queued stays queued in the data folder for the next start. Resolves with how
     * many files are left.
     */
    stop(): Promise<{ pending: number }> {
        return (this.stopped ??= (async () => {
            this.stopping = true;
            await Promise.all([this.runner.stop(), this.shardRunner?.stop()]);
            await Promise.all([...this.active.values(), ...this.shardTasks]);
            await this.ecs?.close();
            const pending = this.state.pending().files.length;
            await this.s3.close();
            this.state.release();
            if (this.ownsDataDir) {
                fs.rmSync(this.dataDir, { recursive: true, force: true });
            }
            return { pending };
        })());
    }

    /** The status key of an upload. */
    private locations(key: string): { statusKey: string } {
        const relative = key.slice(this.config.prefixes.upload.length);
        return { statusKey: statusKey(this.config.prefixes.status, relative) };
    }

    /** The task definition's static environment the processors get (with the `environment` option's variables). */
    get processorEnvironment(): Readonly<Record<string, string>> {
        return { ...this.taskEnv };
    }

    /** The folder each processor's workspaces are made in (the task's scratch volume, unless SCRATCH_DIR says otherwise). */
    get scratchRoot(): string {
        return this.taskEnv.SCRATCH_DIR ?? this.taskEnv.TMPDIR;
    }

    private async readStatus(key: string): Promise<StatusDocument | undefined> {
        return readJson<StatusDocument>(this.s3.client, this.bucket, this.locations(key).statusKey);
    }

    /**
     * Queues what the last run left (the on-disk queue) and every upload the rule matches that has
     * no final status for its current ETag — the batch mode's catch-up.
     */
    private async resume(leftoverProcesses: number): Promise<void> {
        const candidates = new Map<string, QueuedFile>();
        for (const file of this.state.pending().files) {
            candidates.set(`${file.key}\u0000${file.etag ?? ""}`, file);
        }
        const current = new Map<string, string>();
        for await (const object of listObjects(this.s3.client, this.bucket, this.config.prefixes.upload, 1000, new AbortController().signal)) {
            const record: ObjectCreatedRecord = {
                eventTime: new Date().toISOString(),
                eventName: "ObjectCreated:Put",
                awsRegion: LOCAL_REGION,
                s3: { bucket: { name: this.bucket }, object: { key: object.key, size: object.size, eTag: object.etag, sequencer: object.etag } },
            };
            const env = routeEvent(this.route, objectCreatedEvent(record));
            if (env === undefined) {
                continue;
            }
            current.set(object.key, object.etag);
            const id = `${object.key}\u0000${object.etag}`;
            if (!candidates.has(id)) {
                candidates.set(id, { id: queueId(object.key, object.etag, env.S3_EVENT_ID), key: object.key, etag: object.etag, env, queuedAt: record.eventTime });
            }
        }
        let running = 0;
        let interrupted = 0;
        const resumed: Job[] = [];
        const files = [...candidates.values()];
        for (let i = 0; i < files.length; i += 16) {
            await Promise.all(files.slice(i, i + 16).map(async (file) => {
                if (current.get(file.key) !== file.etag) {
                    // Deleted or overwritten since it was queued: the newer upload is queued on its own.
                    this.state.remove(file.id);
                    return;
                }
                const status = await this.readStatus(file.key).catch(() => undefined);
                if (isFinalFor(status, file.etag)) {
                    this.state.remove(file.id);
                    return;
                }
                if (status?.state === "running" && status.etag === file.etag) {
                    running++;
                } else if (status?.state === "interrupted") {
                    interrupted++;
                }
                resumed.push({ ...file, kills: 0 });
            }));
        }
        resumed.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
        for (const job of resumed) {
            this.state.add(job);
            this.queue.push(job);
        }
        if (resumed.length > 0 || leftoverProcesses > 0) {
            this.onEvent({ type: "resumed", files: resumed.length, running, interrupted, leftoverProcesses });
        }
        this.pump();
    }

    private onObjectCreated(record: ObjectCreatedRecord): void {
        if (this.stopping || record.s3.bucket.name !== this.bucket) {
            return;
        }
        const env = routeEvent(this.route, objectCreatedEvent(record));
        if (!env) {
            // Uploads the rule skips are worth a line; the processor's own writes are not.
            if (record.s3.object.key.startsWith(this.config.prefixes.upload)) {
                this.onEvent({ type: "ignored", key: record.s3.object.key });
            }
            return;
        }
        const { key, eTag } = record.s3.object;
        const job: Job = { id: queueId(key, eTag, env.S3_EVENT_ID), key, etag: eTag, env, queuedAt: new Date().toISOString(), kills: 0 };
        // Queued on disk before the upload's response: a crash from here on leaves it for the next start.
        this.state.add(job);
        this.queue.push(job);
        this.pump();
    }

    private scratchDir(): string {
        const dir = path.join(this.dataDir, "state", "scratch");
        fs.mkdirSync(dir, { recursive: true });
        return dir;
    }

    /** The task definition's static environment, from the same builder the ProcessorTask uses. */
    private taskEnvironment(): Record<string, string> {
        const container = processorContainerDefinition({
            name: CONTAINER,
            image: "local",
            logGroupName: "local",
            region: LOCAL_REGION,
            prefixes: this.config.prefixes,
            stopTimeoutSeconds: this.config.stopTimeoutSeconds,
            // The stack's default task size (1 vCPU); local runs process several files at once instead.
            cpu: 1024,
            // The task's scratch volume: inside the data folder, like everything the pipeline writes.
            scratchPath: this.scratchDir(),
            scratchVolumeName: "scratch",
            // The stack's sharding (processor.shardAboveBytes): shards run as local processes (ecs-server.ts).
            environment: { ...(this.config.sharding ? shardingEnvironment(this.config.sharding, { subnetIds: [], securityGroupIds: [], assignPublicIp: false }) : {}), ...this.environment },
        });
        return Object.fromEntries(container.environment.map((e) => [e.name, e.value]));
    }

    private pump(): void {
        while (!this.stopping && this.active.size < this.concurrency && this.queue.length > 0) {
            const job = this.queue.shift() as Job;
            const done = this.run(job).finally(() => {
                this.active.delete(job);
                this.pump();
            });
            this.active.set(job, done);
        }
        if (this.pendingCount === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((w) => w());
        }
    }

    /** ECS's variables for a new task: its metadata endpoint, and where RunTask goes (with sharding on). */
    private ecsEnvironment(task = this.ecs?.newTask()): Record<string, string> {
        return this.ecs && task ? { ECS_ENDPOINT: this.ecs.endpoint, ECS_CONTAINER_METADATA_URI_V4: task.metadataUri } : {};
    }

    /** A shard task a coordinator started: the task's environment with the call's overrides, run as a file is. */
    private runShardTask(task: StartedTask): void {
        const key = task.environment.S3_KEY ?? "";
        const shard = Number(task.environment.SHARD_INDEX);
        const attempt = Number(task.environment.SHARD_ATTEMPT ?? 1);
        const runner = this.shardRunner;
        if (runner === undefined || this.stopping) {
            return;
        }
        const done = runner
            .run({
                env: { ...this.taskEnv, ...task.environment, ...this.ecsEnvironment(task) },
                onStart: (pid) => this.onEvent({ type: "shard-started", key, shard, attempt, taskArn: task.taskArn, pid }),
                onLog: (entry) => this.onLog?.(key, entry),
            })
            .then((result) => {
                this.onEvent({ type: "shard-exited", key, shard, attempt, taskArn: task.taskArn, exitCode: result.exitCode, signal: result.signal });
            })
            .finally(() => {
                this.shardTasks.delete(done);
                this.pump();
            });
        this.shardTasks.add(done);
    }

    private async run(job: Job): Promise<void> {
        this.onEvent({ type: "started", key: job.key });
        let last: Record<string, unknown> | undefined;
        const result = await this.runner.run({
            env: { ...this.taskEnv, ...job.env, ...this.ecsEnvironment() },
            onLog: (entry) => {
                this.onLog?.(job.key, entry);
                if (entry.msg === "progress") {
                    this.onEvent({ type: "progress", key: job.key, rows: Number(entry.rows) });
                }
                if (entry.level === "error" || entry.msg === "succeeded" || /already processed|nothing to do/.test(String(entry.msg))) {
                    last = entry;
                }
            },
        });
        try {
            await this.settle(job, result, last);
        } catch (e) {
            // The outcome could not be recorded (the server is stopping, or refused the status): the
            // file stays queued on disk, and the next start processes it again.
            if (this.stopping) {
                this.onEvent({ type: "interrupted", key: job.key, exitCode: result.exitCode });
            } else {
                this.reportFailure(job, result, { errorClass: "StatusNotRecorded", message: `the outcome could not be recorded: ${(e as Error).message}` });
            }
        }
    }

    /** What a processor's exit means for its file; the one place a final failure is reported. */
    private async settle(job: Job, result: RunResult, last: Record<string, unknown> | undefined): Promise<void> {
        const where = this.locations(job.key);
        // A process killed by a signal, or one reporting 128 + n for it (137 SIGKILL, 143 SIGTERM).
        const signal = result.signal ?? signalOfExitCode(result.exitCode);
        if (signal === "SIGTERM" || signal === "SIGINT") {
            if (!this.stopping) {
                this.state.remove(job.id);
            }
            this.onEvent({ type: "interrupted", key: job.key, exitCode: result.exitCode });
            return;
        }
        if (result.exitCode === 0) {
            this.state.remove(job.id);
            if (last?.msg === "succeeded") {
                const outputKeys = Array.isArray(last.outputKeys) ? last.outputKeys.map(String) : [];
                const rows = typeof last.rows === "number" ? last.rows : undefined;
                this.onEvent({ type: "succeeded", key: job.key, rows, durationMs: Number(last.durationMs), outputKeys, ...where });
            } else {
                this.onEvent({ type: "skipped", key: job.key, reason: String(last?.msg ?? "nothing to do") });
            }
            return;
        }
        if (signal !== undefined && !this.stopping && job.kills < REQUEUES_AFTER_KILL) {
            job.kills++;
            this.onEvent({ type: "requeued", key: job.key, exitCode: result.exitCode, signal });
            this.queue.push(job);
            return;
        }
        const reason = signal
            ? { errorClass: "KilledBySignal", message: `the processor was killed by ${signal} (exit ${result.exitCode}) before it recorded an outcome` }
            : result.startError
              ? { errorClass: "StartFailed", message: `the processor could not be started: ${result.startError}` }
              : undefined;
        const status = await this.ensureFinalStatus(job, result.exitCode, reason);
        this.state.remove(job.id);
        this.reportFailure(job, { ...result, signal }, {
            errorClass: String(status?.error?.class ?? last?.errorClass ?? reason?.errorClass ?? "Error"),
            message: String(status?.error?.message ?? last?.error ?? reason?.message ?? `exit code ${result.exitCode}`),
        });
    }

    /**
     * The file's status for its ETag when the processor left a final one; otherwise (it crashed or was
     * killed before writing one) a `failed` status written on its behalf, so the page never shows a
     * dead file as running.
     */
    private async ensureFinalStatus(job: Job, exitCode: number, reason: { errorClass: string; message: string } | undefined): Promise<StatusDocument | undefined> {
        const previous = await this.readStatus(job.key).catch(() => undefined);
        if (isFinalFor(previous, job.etag)) {
            return previous;
        }
        const now = Date.now();
        const same = previous !== undefined && previous.etag === job.etag ? previous : undefined;
        const started = same?.startedAt ? Date.parse(same.startedAt) : now;
        const doc: StatusDocument = {
            schemaVersion: 1,
            state: "failed",
            bucket: this.bucket,
            key: job.key,
            etag: job.etag,
            size: job.env.S3_OBJECT_SIZE === undefined ? undefined : Number(job.env.S3_OBJECT_SIZE),
            eventTime: job.env.S3_EVENT_TIME,
            eventId: job.env.S3_EVENT_ID,
            attempt: same?.attempt ?? 1,
            startedAt: new Date(started).toISOString(),
            completedAt: new Date(now).toISOString(),
            durationMs: now - started,
            error: {
                class: reason?.errorClass ?? "ProcessorCrashed",
                message: reason?.message ?? `the processor exited ${exitCode} without recording an outcome`,
                exitCode,
            },
        };
        await writeJson(this.s3.client, this.bucket, this.locations(job.key).statusKey, doc);
        return doc;
    }

    /** A file's final failure: the event the demo prints, with the Slack message the notifier would send. */
    private reportFailure(job: Job, result: RunResult, error: { errorClass: string; message: string }): void {
        // The ECS Task State Change event of the failed run: what the failure rule sends to the alert topic.
        const taskStopped = this.taskStoppedEvent(job, result.exitCode);
        this.onEvent({
            type: "failed",
            key: job.key,
            exitCode: result.exitCode,
            signal: result.signal,
            ...error,
            statusKey: this.locations(job.key).statusKey,
            taskStopped,
            slack: formatNotification(taskStopped, {
                region: LOCAL_REGION,
                channelLabel: "local demo — not sent",
                logGroupName: `/ecs/${this.stack}-processor`,
                logStreamPrefix: CONTAINER,
                processorError: { class: error.errorClass, message: error.message },
            }),
        });
    }

    /** The ECS Task State Change event ECS would send for this run, for the notifier's formatter. */
    private taskStoppedEvent(job: Job, exitCode: number): Record<string, unknown> {
        const arn = (resource: string) => `arn:aws:ecs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
        return {
            version: "0",
            id: randomUUID(),
            "detail-type": "ECS Task State Change",
            source: "aws.ecs",
            account: LOCAL_ACCOUNT,
            time: new Date().toISOString(),
            region: LOCAL_REGION,
            detail: {
                clusterArn: arn("cluster/local"),
                taskArn: arn(`task/local/${randomUUID().replace(/-/g, "")}`),
                taskDefinitionArn: arn(`task-definition/${this.stack}-processor:1`),
                group: `family:${this.stack}-processor`,
                lastStatus: "STOPPED",
                desiredStatus: "STOPPED",
                stopCode: "EssentialContainerExited",
                stoppedReason: "Essential container in task exited",
                cpu: String(this.config.taskCpu),
                memory: String(this.config.taskMemory),
                containers: [{ name: CONTAINER, exitCode, lastStatus: "STOPPED" }],
                overrides: { containerOverrides: [{ name: CONTAINER, environment: Object.entries(job.env).filter(([k]) => k.startsWith("S3_")).map(([name, value]) => ({ name, value })) }] },
            },
        };
    }
}

/** A Slack Block Kit message as plain text for a terminal. */
export function slackToText(message: SlackMessage): string {
    const lines: string[] = [];
    const plain = (t: string) =>
        t
            .replace(/\u200b/g, "")
            .replace(/<([^|>]+)\|([^>]+)>/g, "$2 ($1)")
            .replace(/&lt;/g, "<")
            .replace(/&gt;/g, ">")
            .replace(/&amp;/g, "&");
    for (const block of message.blocks as { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text?: string }[] }[]) {
        if (block.text?.text) {
            lines.push(plain(block.text.text));
        }
        for (const f of block.fields ?? []) {
            lines.push(plain(f.text).replace(/\n/g, " "));
        }
        for (const e of block.elements ?? []) {
            if (e.text) {
                lines.push(plain(e.text));
            }
        }
    }
    return lines.join("\n");
}
