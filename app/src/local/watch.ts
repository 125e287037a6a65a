/**
 * `npm run demo -- --watch DIR`: uploads each file in DIR once it is finished — its size and
 * modification time unchanged for `stableMs` — and again whenever it changes (new size or time:
 * overwritten, appended to, or deleted and created again). Files being written are left alone until
 * they settle; hidden files (editors' temporary files) and folders are ignored.
 */
import * as fs from "fs";
import * as path from "path";

export interface WatchOptions {
    /** How long a file must stay unchanged before it is uploaded. @default 1000 */
    stableMs?: number;
    /** How often the folder is scanned (changes the OS reports trigger a scan at once). @default 250 */
    scanMs?: number;
    /** Uploads one file; a rejection is reported through `onError` and retried when the file changes. */
    upload(file: string, name: string): Promise<void>;
    onError(message: string): void;
}

export interface FolderWatcher {
    close(): void;
}

interface Seen {
    signature: string;
    since: number;
    uploaded?: string;
    busy: boolean;
}

export function watchFolder(dir: string, options: WatchOptions): FolderWatcher {
    const stableMs = options.stableMs ?? 1000;
    const seen = new Map<string, Seen>();
    let closed = false;

    const scan = () => {
        if (closed) {
            return;
        }
        let names: string[];
        try {
            names = fs.readdirSync(dir);
        } catch (e) {
            options.onError(`cannot read ${dir}: ${(e as Error).message}`);
            return;
        }
        const now = Date.now();
        const present = new Set<string>();
        for (const name of names) {
            if (name.startsWith(".")) {
                continue;
            }
            const file = path.join(dir, name);
            let stat: fs.Stats;
            try {
                stat = fs.statSync(file);
            } catch {
                continue;
            }
            if (!stat.isFile()) {
                continue;
            }
            present.add(name);
            const signature = `${stat.size}:${stat.mtimeMs}`;
            const entry = seen.get(name);
            if (entry === undefined || entry.signature !== signature) {
                seen.set(name, { signature, since: now, uploaded: entry?.uploaded, busy: entry?.busy ?? false });
                continue;
            }
            if (entry.busy || entry.uploaded === signature || now - entry.since < stableMs) {
                continue;
            }
            entry.busy = true;
            options.upload(file, name).then(
                () => {
                    entry.uploaded = signature;
                    entry.busy = false;
                },
                (e: unknown) => {
                    // Not retried in a loop: tried again when the file changes.
                    entry.uploaded = signature;
                    entry.busy = false;
                    options.onError(`${name}: not uploaded: ${(e as Error).message}`);
                },
            );
        }
        // A deleted file is forgotten: created again, it is a new file.
        for (const name of seen.keys()) {
            if (!present.has(name)) {
                seen.delete(name);
            }
        }
    };

    const timer = setInterval(scan, options.scanMs ?? 250);
    let watcher: fs.FSWatcher | undefined;
    try {
        watcher = fs.watch(dir, () => scan());
        watcher.on("error", () => undefined);
    } catch {
        // Scanning alone still finds every file.
    }
    scan();
    return {
        close() {
            closed = true;
            clearInterval(timer);
            watcher?.close();
        },
    };
}
