/**
 * What the local pipeline keeps on disk beside the objects, under `<data>/state`, so that a crash
 * or a stop loses nothing:
 * - `lock.json`: the pipeline process that owns the folder (pid and start time); a second pipeline
 *   on the same folder is refused, and a lock left by a dead process marks everything it was doing
 *   as abandoned;
 * - `queue/<id>.json`: one file per upload waiting for (or in) processing, removed once it has a
 *   final outcome;
 * - `children/<pid>`: the processor processes running now, so leftovers of a killed pipeline are
 *   ended before a new one starts.
 * Every file is written to a temporary name and renamed: a reader never sees half of one.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface QueuedFile {
    id: string;
    key: string;
    etag?: string;
    /** The environment the upload rule's target gave the task. */
    env: Record<string, string>;
    queuedAt: string;
}

interface Owner {
    pid: number;
    /** The process's start time (Linux: clock ticks after boot), so a reused pid is not mistaken for it. */
    startTime?: string;
}

/** A process's start time from /proc (Linux); undefined elsewhere or when it is gone. */
export function processStartTime(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Fields 3 (state) and 22 (start time); the command name (field 2) may hold spaces and parentheses, so count from the last ")".
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // A zombie (Z) or dead (X) process has ended; only its exit status waits to be collected.
        return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
    } catch {
        return undefined;
    }
}

/** Waits (at most `ms`) until the process `pid` that started at `startTime` has ended. */
function waitUntilEnded(pid: number, startTime: string, ms: number): void {
    const deadline = Date.now() + ms;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    while (processStartTime(pid) === startTime && Date.now() < deadline) {
        Atomics.wait(pause, 0, 0, 10);
    }
}

function isAlive(owner: Owner): boolean {
    try {
        process.kill(owner.pid, 0);
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
    const startTime = processStartTime(owner.pid);
    return owner.startTime === undefined || startTime === undefined || startTime === owner.startTime;
}

function writeAtomic(file: string, text: string): void {
    const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

/** The queue id of an upload: one per key, ETag and event. */
export function queueId(key: string, etag: string | undefined, eventId: string | undefined): string {
    return createHash("sha256").update(`${key}\u0000${etag ?? ""}\u0000${eventId ?? ""}`).digest("hex").slice(0, 40);
}

export class PipelineState {
    private readonly queueDir: string;
    private readonly childrenDir: string;
    private readonly lockFile: string;

    private constructor(readonly dir: string) {
        this.queueDir = path.join(dir, "queue");
        this.childrenDir = path.join(dir, "children");
        this.lockFile = path.join(dir, "lock.json");
    }

    /**
     * Opens the state folder and takes its lock (a lock left by a dead process is taken over).
     * @throws when a live pipeline holds the folder
     */
    static open(dir: string): PipelineState {
        const state = new PipelineState(dir);
        fs.mkdirSync(state.queueDir, { recursive: true });
        fs.mkdirSync(state.childrenDir, { recursive: true });
        let previous: Owner | undefined;
        try {
            previous = JSON.parse(fs.readFileSync(state.lockFile, "utf8")) as Owner;
        } catch {
            previous = undefined;
        }
        if (previous !== undefined && previous.pid !== process.pid && isAlive(previous)) {
            throw new Error(`${path.dirname(dir)} is in use by another local pipeline (pid ${previous.pid}); stop it, or give another --data folder`);
        }
        writeAtomic(state.lockFile, JSON.stringify({ pid: process.pid, startTime: processStartTime(process.pid) } satisfies Owner));
        return state;
    }

    /** Every queued upload (files that cannot be read are skipped and counted). */
    pending(): { files: QueuedFile[]; unreadable: number } {
        const files: QueuedFile[] = [];
        let unreadable = 0;
        for (const name of fs.readdirSync(this.queueDir)) {
            if (!name.endsWith(".json")) {
                continue;
            }
            try {
                files.push(JSON.parse(fs.readFileSync(path.join(this.queueDir, name), "utf8")) as QueuedFile);
            } catch {
                unreadable++;
            }
        }
        files.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
        return { files, unreadable };
    }

    add(file: QueuedFile): void {
        writeAtomic(path.join(this.queueDir, `${file.id}.json`), JSON.stringify(file));
    }

    remove(id: string): void {
        fs.rmSync(path.join(this.queueDir, `${id}.json`), { force: true });
    }

    childStarted(pid: number): void {
        writeAtomic(path.join(this.childrenDir, String(pid)), JSON.stringify({ pid, startTime: processStartTime(pid) } satisfies Owner));
    }

    childExited(pid: number): void {
        fs.rmSync(path.join(this.childrenDir, String(pid)), { force: true });
    }

    /**
     * Ends the processors a dead pipeline left running (SIGKILL, only a process whose pid and start
     * time both match the record). Returns how many were still running.
     */
    endLeftoverChildren(): number {
        let ended = 0;
        for (const name of fs.readdirSync(this.childrenDir)) {
            const file = path.join(this.childrenDir, name);
            try {
                const child = JSON.parse(fs.readFileSync(file, "utf8")) as Owner;
                if (child.startTime !== undefined && child.pid !== process.pid && processStartTime(child.pid) === child.startTime) {
                    process.kill(child.pid, "SIGKILL");
                    // SIGKILL ends it at its next scheduling; wait for that, so nothing it does overlaps the resumed run.
                    waitUntilEnded(child.pid, child.startTime, 5000);
                    ended++;
                }
            } catch {
                // Gone already, or not ours to end.
            }
            fs.rmSync(file, { force: true });
        }
        return ended;
    }

    /** Gives the folder up (a clean stop). */
    release(): void {
        fs.rmSync(this.lockFile, { force: true });
    }
}
