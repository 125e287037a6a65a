/**
 * The whole pipeline on one machine: a real S3-compatible server, its object-created notifications
 * routed through the upload rule's pattern and input transformer (the same builders the cloud uses),
 * and the processor run as a local process with exactly the environment the task would get.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ChildProcess, spawn } from "child_process";
import { randomUUID } from "crypto";
import * as os from "os";
import * as path from "path";
import { processorContainerDefinition } from "../../../components/builders";
import type { StackConfig } from "../../../components/stack-config";
import { formatNotification } from "../notifier/format";
import type { SlackMessage } from "../notifier/format";
import { statusKey, summaryKey } from "../processor/status";
import { LOCAL_ACCOUNT, LOCAL_REGION, Route, objectCreatedEvent, routeEvent, uploadRoute } from "./events";
import { LOCAL_CREDENTIALS, LocalS3Server, startLocalS3 } from "./s3-server";
import { REPO_ROOT, loadStackConfig } from "./stack";

const CONTAINER = "processor";
const PROCESSOR_MAIN = path.join(REPO_ROOT, "app", "src", "processor", "main.ts");

export type PipelineEvent =
    | { type: "ignored"; key: string }
    | { type: "started"; key: string }
    | { type: "progress"; key: string; rows: number }
    | { type: "succeeded"; key: string; rows: number; durationMs: number; outputKey: string; statusKey: string }
    | { type: "skipped"; key: string }
    | { type: "failed"; key: string; exitCode: number; errorClass: string; message: string; statusKey: string; slack: SlackMessage; taskStopped: Record<string, unknown> };

export interface LocalPipelineOptions {
    /** Whose Pulumi.<stack>.yaml gives the prefixes, suffixes and task settings. @default "dev" */
    stack?: string;
    /** Where the S3 server keeps its data. @default a temporary directory, removed on stop */
    dataDir?: string;
    /** @default "demo-uploads" */
    bucket?: string;
    /** Processors running at once. @default 2 */
    concurrency?: number;
    onEvent?: (event: PipelineEvent) => void;
}

interface Job {
    key: string;
    env: Record<string, string>;
}

export class LocalPipeline {
    private readonly queue: Job[] = [];
    private readonly running = new Map<string, ChildProcess>();
    private idleWaiters: (() => void)[] = [];
    private stopping = false;
    private readonly route: Route;
    private readonly concurrency: number;

    private constructor(
        readonly s3: LocalS3Server,
        readonly bucket: string,
        readonly config: StackConfig,
        readonly stack: string,
        private readonly onEvent: (event: PipelineEvent) => void,
        concurrency: number,
    ) {
        this.route = uploadRoute(bucket, config.prefixes.upload, config.keySuffixes, CONTAINER);
        this.concurrency = concurrency;
        s3.onObjectCreated((record) => this.onObjectCreated(record));
    }

    static async start(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
        const stack = options.stack ?? "dev";
        const config = loadStackConfig(stack);
        const s3 = await startLocalS3({ directory: options.dataDir });
        const bucket = options.bucket ?? "demo-uploads";
        await s3.createBucket(bucket);
        return new LocalPipeline(s3, bucket, config, stack, options.onEvent ?? (() => undefined), options.concurrency ?? 2);
    }

    get endpoint(): string {
        return this.s3.endpoint;
    }

    /** Uploads an object; its notification starts the processor if the rule matches. */
    async upload(key: string, body: string | Buffer): Promise<void> {
        await this.s3.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
    }

    /** Resolves when nothing is queued or running. */
    waitIdle(): Promise<void> {
        if (this.queue.length === 0 && this.running.size === 0) {
            return Promise.resolve();
        }
        return new Promise((resolve) => this.idleWaiters.push(resolve));
    }

    /** Stops running processors (SIGTERM, as ECS does), then the server. */
    async stop(): Promise<void> {
        this.stopping = true;
        this.queue.length = 0;
        const exits = [...this.running.values()].map((child) => new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
        }));
        await Promise.all(exits);
        await this.s3.close();
    }

    private onObjectCreated(record: Parameters<Parameters<LocalS3Server["onObjectCreated"]>[0]>[0]): void {
        if (this.stopping || record.s3.bucket.name !== this.bucket) {
            return;
        }
        const event = objectCreatedEvent(record);
        const eventEnv = routeEvent(this.route, event);
        if (!eventEnv) {
            // Uploads the rule skips are worth a line; the processor's own writes are not.
            if (record.s3.object.key.startsWith(this.config.prefixes.upload)) {
                this.onEvent({ type: "ignored", key: record.s3.object.key });
            }
            return;
        }
        this.queue.push({ key: record.s3.object.key, env: { ...this.taskEnvironment(), ...eventEnv } });
        this.pump();
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
            scratchPath: os.tmpdir(),
            scratchVolumeName: "scratch",
        });
        return Object.fromEntries(container.environment.map((e) => [e.name, e.value]));
    }

    private pump(): void {
        while (!this.stopping && this.running.size < this.concurrency && this.queue.length > 0) {
            this.run(this.queue.shift() as Job);
        }
        if (this.queue.length === 0 && this.running.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((w) => w());
        }
    }

    private run(job: Job): void {
        const id = randomUUID();
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", PROCESSOR_MAIN], {
            cwd: REPO_ROOT,
            env: {
                PATH: process.env.PATH ?? "",
                ...job.env,
                S3_ENDPOINT: this.s3.endpoint,
                AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
                AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
                AWS_EMF_ENVIRONMENT: "Local",
                ECS_LOCAL_TASK_ID: id,
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.running.set(id, child);
        this.onEvent({ type: "started", key: job.key });
        let buffered = "";
        let last: Record<string, unknown> | undefined;
        child.stdout!.on("data", (chunk: Buffer) => {
            buffered += chunk.toString("utf8");
            let nl: number;
            while ((nl = buffered.indexOf("\n")) >= 0) {
                const line = buffered.slice(0, nl);
                buffered = buffered.slice(nl + 1);
                let entry: Record<string, unknown>;
                try {
                    entry = JSON.parse(line) as Record<string, unknown>;
                } catch {
                    continue;
                }
                if (entry.msg === "progress") {
                    this.onEvent({ type: "progress", key: job.key, rows: Number(entry.rows) });
                }
                if (entry.level === "error" || entry.msg === "succeeded" || /already processed/.test(String(entry.msg))) {
                    last = entry;
                }
            }
        });
        child.stderr!.resume();
        child.on("exit", (code) => {
            this.running.delete(id);
            this.finish(job, id, code ?? 70, last);
            this.pump();
        });
    }

    private finish(job: Job, taskId: string, exitCode: number, last: Record<string, unknown> | undefined): void {
        const relative = job.key.slice(this.config.prefixes.upload.length);
        const status = statusKey(this.config.prefixes.status, relative);
        if (exitCode === 0 && last?.msg === "succeeded") {
            this.onEvent({
                type: "succeeded",
                key: job.key,
                rows: Number(last.rows),
                durationMs: Number(last.durationMs),
                outputKey: summaryKey(this.config.prefixes.output, relative),
                statusKey: status,
            });
            return;
        }
        if (exitCode === 0) {
            this.onEvent({ type: "skipped", key: job.key });
            return;
        }
        // The ECS Task State Change event of the failed run: what the failure rule sends to the alert topic.
        const taskStopped = this.taskStoppedEvent(job, taskId, exitCode);
        this.onEvent({
            type: "failed",
            key: job.key,
            exitCode,
            errorClass: String(last?.errorClass ?? "Error"),
            message: String(last?.error ?? `exit code ${exitCode}`),
            statusKey: status,
            taskStopped,
            slack: formatNotification(taskStopped, {
                region: LOCAL_REGION,
                channelLabel: "local demo — not sent",
                logGroupName: `/ecs/${this.stack}-processor`,
                logStreamPrefix: CONTAINER,
            }),
        });
    }

    /** The ECS Task State Change event ECS would send for this run, for the notifier's formatter. */
    private taskStoppedEvent(job: Job, taskId: string, exitCode: number): Record<string, unknown> {
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
                taskArn: arn(`task/local/${taskId.replace(/-/g, "")}`),
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
    const plain = (t: string) => t.replace(/<([^|>]+)\|([^>]+)>/g, "$2 ($1)").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
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
