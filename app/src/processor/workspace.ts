/**
 * A file's workspace on the task's scratch volume (SCRATCH_DIR, else TMPDIR):
 *
 *   <scratch>/file-XXXXXX/
 *     input/input<.ext>   the object, downloaded (read-only; its folder too)
 *     output/             OUTPUT_DIR: what the job writes here is uploaded
 *     work/               WORK_DIR: the job's scratch space (also its TMPDIR)
 *
 * Made before the job starts and removed, whole, when the file is done (whatever the outcome), so a
 * task that processes many files (batch, worker) never fills its scratch volume with old ones.
 */
import * as fs from "fs";
import * as path from "path";
import { Transform } from "stream";
import { pipeline } from "stream/promises";
import { ExitCode, ProcessorError } from "./exit-codes";

export interface Workspace {
    root: string;
    inputDir: string;
    outputDir: string;
    workDir: string;
}

export async function createWorkspace(scratchDir: string): Promise<Workspace> {
    let root: string;
    try {
        await fs.promises.mkdir(scratchDir, { recursive: true });
        root = await fs.promises.mkdtemp(path.join(scratchDir, "file-"));
    } catch (e) {
        throw new ProcessorError(`cannot make a workspace in the scratch folder ${scratchDir}: ${(e as Error).message}`, ExitCode.CONFIG, "ScratchUnavailable");
    }
    const ws = { root, inputDir: path.join(root, "input"), outputDir: path.join(root, "output"), workDir: path.join(root, "work") };
    await Promise.all([ws.inputDir, ws.outputDir, ws.workDir].map((d) => fs.promises.mkdir(d)));
    return ws;
}

/** Removes the workspace, whatever the job left in it (read-only folders included). */
export async function removeWorkspace(ws: Workspace): Promise<void> {
    const makeWritable = async (dir: string): Promise<void> => {
        let entries: fs.Dirent[];
        try {
            await fs.promises.chmod(dir, 0o700);
            entries = await fs.promises.readdir(dir, { withFileTypes: true });
        } catch {
            return;
        }
        await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => makeWritable(path.join(dir, e.name))));
    };
    await makeWritable(ws.root);
    await fs.promises.rm(ws.root, { recursive: true, force: true });
}

/** `input.csv.gz` for `uploads/a/day.csv.gz`: the key's extension on a safe name (the key itself may hold anything). */
export function inputFileName(key: string): string {
    const base = key.slice(key.lastIndexOf("/") + 1);
    const ext = /((?:\.[A-Za-z0-9]{1,10}){1,2})$/.exec(base)?.[1] ?? "";
    return `input${ext}`;
}

/**
 * Fails clearly, before downloading, when the scratch volume cannot hold the object
 * (ProcessorError CONFIG, class ScratchTooSmall: raise the task's ephemeral storage).
 */
export async function checkScratchSpace(dir: string, bytes: number | undefined): Promise<void> {
    if (bytes === undefined) {
        return;
    }
    const stats = await fs.promises.statfs(dir);
    const free = stats.bavail * stats.bsize;
    if (bytes > free) {
        throw new ProcessorError(
            `the object is ${bytes} bytes but the scratch folder ${dir} has ${free} bytes free; raise ephemeralStorageGiB (21–200) or split the file`,
            ExitCode.CONFIG,
            "ScratchTooSmall",
        );
    }
}

/**
 * Streams the object to `input/` with bounded memory (the stream's own buffers), then makes the file
 * and its folder read-only. Throws a ProcessorError when fewer or more bytes arrive than S3 announced.
 */
export async function downloadTo(ws: Workspace, key: string, body: AsyncIterable<Buffer>, expectedBytes: number | undefined, signal: AbortSignal): Promise<{ file: string; bytes: number }> {
    const file = path.join(ws.inputDir, inputFileName(key));
    let bytes = 0;
    const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            done(null, chunk);
        },
    });
    await pipeline(body, count, fs.createWriteStream(file, { flags: "wx", mode: 0o600 }), { signal });
    if (expectedBytes !== undefined && bytes !== expectedBytes) {
        throw new ProcessorError(`the download of ${key} ended after ${bytes} of ${expectedBytes} bytes`, ExitCode.TRANSIENT, "IncompleteDownload");
    }
    await fs.promises.chmod(file, 0o444);
    await fs.promises.chmod(ws.inputDir, 0o555);
    return { file, bytes };
}

/** What identifies a file's content cheaply: a change to any of these means it was written to. */
export interface FileIdentity {
    ino: number;
    size: number;
    mtimeMs: number;
}

export async function fileIdentity(file: string): Promise<FileIdentity | undefined> {
    try {
        const s = await fs.promises.stat(file);
        return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
        return undefined;
    }
}
