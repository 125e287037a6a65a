/**
 * Summariser worker threads: started on plain JavaScript (startWorker), and kept warm between runs. A run takes its
 * workers here (an idle one left by an earlier run, else a new one) and gives them back when it ends well; a worker of
 * a run that failed or was aborted is stopped instead, since it may still be working. So a process that summarises file after file (the batch and
 * queue-worker modes, the tests) starts each thread's isolate, loads its modules and compiles its hot code once,
 * not once per file: about 0.3 CPU s per extra thread and file (see docs/performance-parallel.md).
 *
 * A worker gets its run's settings in its first message, not in workerData, so that any run can use it. While a
 * run holds a worker, the worker's messages, errors and exit go to that run (WorkerOwner). Idle workers do not keep
 * the process alive (unref), and stop after IDLE_MS without a run, or when more than MAX_IDLE of one script wait.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Worker as WorkerType } from "node:worker_threads";

let workerThreads: typeof import("node:worker_threads") | null | undefined;

function loadWorkerThreads(): typeof import("node:worker_threads") | null {
    if (workerThreads === undefined) {
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            workerThreads = require("node:worker_threads") as typeof import("node:worker_threads");
        } catch {
            workerThreads = null;
        }
    }
    return workerThreads;
}

/**
 * Starts a worker on `script` (worker.js, range-worker.js, parquet/worker.js) of this folder: the compiled file there
 * (dist/, the bench build), or, running from TypeScript sources (tests, `ts-node`), its .ts transpiled once per process
 * with what it imports (app/src/transpile.ts), so workers start on plain JavaScript instead of loading a TypeScript
 * loader each. It shares the process's environment (not a copy made at its start), so that a warm worker reads S3 with
 * the credentials and settings of the run it serves.
 */
function startWorker(script: string): WorkerType {
    const threads = loadWorkerThreads()!;
    const js = path.join(__dirname, script);
    if (fs.existsSync(js)) {
        return new threads.Worker(js, { env: threads.SHARE_ENV });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { transpiledWorker } = require("../../transpile") as typeof import("../../transpile");
    // No execArgv: not the process's preloads (a TypeScript loader, which plain JavaScript does not need), and not its
    // V8 flags (--expose-gc, --max-semi-space-size), which Node refuses in a worker's execArgv ("invalid execArgv flags")
    // and which hold for every thread of the process anyway.
    return new threads.Worker(transpiledWorker(js.replace(/\.js$/, ".ts")), { env: threads.SHARE_ENV, execArgv: [] });
}

/** Whether worker threads can be started here. */
export function workersAvailable(): boolean {
    return loadWorkerThreads() !== null;
}

/** What a run does with its worker's events. */
export interface WorkerOwner {
    message(m: unknown): void;
    error(e: Error): void;
    exit(code: number): void;
}

/** Idle workers stop after this long without a run. */
const IDLE_MS = 60000;
/** At most this many idle workers of one script. */
const MAX_IDLE = 32;

interface Warm {
    worker: WorkerType;
    owner: WorkerOwner | undefined;
    timer: NodeJS.Timeout | undefined;
}

const idle = new Map<string, Warm[]>();
const byWorker = new WeakMap<WorkerType, Warm>();

/** Counters for tests and diagnostics (not part of the API): workers started, taken from the idle ones, alive, idle. */
export const warmStats = { started: 0, reused: 0, alive: 0, idle: 0 };

function dropIdle(script: string, warm: Warm): void {
    const list = idle.get(script);
    const i = list?.indexOf(warm) ?? -1;
    if (i >= 0) {
        list!.splice(i, 1);
        warmStats.idle--;
        clearTimeout(warm.timer);
    }
}

/** A worker on `script` (of this folder) for a run, whose events go to `owner` until it is given back or stopped. */
export function takeWorker(script: string, owner: WorkerOwner): WorkerType {
    const warm = idle.get(script)?.at(-1);
    if (warm !== undefined) {
        dropIdle(script, warm);
        warmStats.reused++;
        warm.owner = owner;
        warm.worker.ref();
        return warm.worker;
    }
    const worker = startWorker(script);
    const fresh: Warm = { worker, owner, timer: undefined };
    byWorker.set(worker, fresh);
    warmStats.started++;
    warmStats.alive++;
    worker.on("message", (m: unknown) => fresh.owner?.message(m));
    worker.on("error", (e: Error) => {
        dropIdle(script, fresh);
        fresh.owner?.error(e);
    });
    worker.once("exit", (code: number) => {
        warmStats.alive--;
        dropIdle(script, fresh);
        fresh.owner?.exit(code);
    });
    return worker;
}

/** Gives back a worker whose run ended well (it has nothing left to do): it waits for the next run. */
export function giveBack(script: string, worker: WorkerType): void {
    const warm = byWorker.get(worker);
    if (warm === undefined || warm.owner === undefined) {
        return;
    }
    warm.owner = undefined;
    const list = idle.get(script) ?? [];
    idle.set(script, list);
    if (list.length >= MAX_IDLE) {
        void worker.terminate().catch(() => undefined);
        return;
    }
    worker.unref();
    warm.timer = setTimeout(() => {
        dropIdle(script, warm);
        void worker.terminate().catch(() => undefined);
    }, IDLE_MS);
    warm.timer.unref();
    list.push(warm);
    warmStats.idle++;
}

/** Stops a worker of a run that did not end well (it may still be working); its owner hears no more from it. */
export function stopWorker(worker: WorkerType): void {
    const warm = byWorker.get(worker);
    if (warm !== undefined) {
        warm.owner = undefined;
    }
    void worker.terminate().catch(() => undefined);
}

/** Stops every idle worker (tests; a process that wants its threads back at once). */
export async function stopIdleWorkers(): Promise<void> {
    const all = [...idle.entries()].flatMap(([script, list]) => list.map((w) => ({ script, w })));
    for (const { script, w } of all) {
        dropIdle(script, w);
    }
    await Promise.all(all.map(({ w }) => w.worker.terminate().catch(() => undefined)));
}
