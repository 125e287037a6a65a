/**
 * The local S3 server's object store: s3rver's file-system store with what S3 guarantees and s3rver
 * does not:
 * - every key maps to a path inside the bucket's folder (object-paths.ts); a key S3 refuses gets
 *   S3's error (KeyTooLongError over 1,024 bytes), and a key whose path the file system cannot hold
 *   gets InvalidArgument instead of crashing the server;
 * - a PUT appears whole or not at all: the body is written to a temporary file, then renamed over
 *   the object (readers never see half a status document, a failed upload leaves nothing behind);
 * - a listing is in UTF-8 byte order across pages, as S3's is (s3rver lists in directory order, so a
 *   continuation token skipped or repeated keys);
 * - the writes and deletes of a key apply one at a time, each whole, and a conditional PUT's condition
 *   is checked when its write applies: 412 if it does not hold then, 409 ConditionalRequestConflict if
 *   another write or delete of the key applied while its body was being sent. AWS: "If a conflicting
 *   operation occurs during the upload S3 returns a 409 ConditionalRequestConflict response"
 *   (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html,
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable, Transform } from "stream";
import { pipeline } from "stream/promises";
import S3Error = require("s3rver/lib/models/error");
import S3Object = require("s3rver/lib/models/object");
import FilesystemStore = require("s3rver/lib/stores/filesystem");
import { KeyError, S3RVER_SUFFIX, keyToPathComponents, pathComponentsToKey, prefixFolders } from "./object-paths";

/** Longest path most file systems accept (PATH_MAX), less room for a temporary file's name. */
const MAX_PATH_BYTES = 4000;
const OBJECT_SUFFIX = `${S3RVER_SUFFIX}object`;
const TEMPORARY = ".~tmp.";

/**
 * What the server tells the store about one request, through the request's view of it (`forRequest`):
 * - `listing`, around a list request: the store reports there whether the listing was cut at MaxKeys,
 *   and answers s3rver "not truncated", because s3rver's own continuation tokens use a cipher OpenSSL 3
 *   no longer has (every truncated listing was a 500). The server writes its own token.
 * - `condition`, around a conditional PUT (see `watch`): putObject checks it when the write applies.
 * A view rather than async context (AsyncLocalStorage): that turns on Node's promise hooks for the
 * whole process, and every promise of the demo and of the processes that host the server pays for them.
 */
export interface RequestScope {
    listing?: { truncated: boolean };
    condition?: WriteCondition;
}

function s3Error(e: KeyError): S3Error {
    return new S3Error(e.code, e.message);
}

/** S3's 409 for a conditional write that met another write of the key. */
export function conditionalConflict(): S3Error {
    const conflict = new S3Error("OperationAborted", "A conditional request to this object is in progress; retry it") as S3Error & { headers: Record<string, string> };
    conflict.code = "ConditionalRequestConflict";
    conflict.headers["x-amz-error-code"] = conflict.code;
    return conflict;
}

export function preconditionFailed(condition: string): S3Error {
    return new S3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: condition });
}

/** A conditional PUT in flight: its headers, and whether another write or delete of its key applied since it arrived. */
export interface WriteCondition {
    ifMatch: string;
    ifNoneMatch: string;
    conflicted: boolean;
}

/** Whether an object with ETag `etag` (undefined: none) meets the condition; the header that fails it, if not. */
export function failedCondition(etag: string | undefined, ifMatch: string, ifNoneMatch: string): string | undefined {
    if (ifNoneMatch === "*" && etag !== undefined) {
        return "If-None-Match";
    }
    if (ifMatch !== "" && (etag === undefined || (ifMatch !== "*" && etag !== ifMatch.replace(/"/g, "")))) {
        return "If-Match";
    }
    return undefined;
}

/** Writes `data` to `file` through a temporary file in the same folder and a rename. */
async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
    const tmp = path.join(path.dirname(file), `${TEMPORARY}${randomBytes(6).toString("hex")}`);
    try {
        await fs.promises.writeFile(tmp, data);
        await fs.promises.rename(tmp, file);
    } catch (e) {
        await fs.promises.rm(tmp, { force: true });
        throw e;
    }
}

/** UTF-8 byte order, S3's listing order. */
function byteOrder(a: string, b: string): number {
    return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export class SafeStore extends FilesystemStore {
    /** Per key (bucket/key): the last of its queued writes and deletes, and the conditional PUTs in flight. */
    private readonly keys = new Map<string, { tail: Promise<void>; watchers: Set<WriteCondition> }>();
    /** The request this view of the store serves (none: the store itself). */
    private readonly scope: RequestScope = {};

    /** This store as one request sees it: the same objects and queues, with what the server knows of the request. */
    forRequest(scope: RequestScope): SafeStore {
        return Object.create(this, { scope: { value: scope } }) as SafeStore;
    }

    private entry(bucket: string, key: string): { tail: Promise<void>; watchers: Set<WriteCondition> } {
        const id = `${bucket}/${key}`;
        let e = this.keys.get(id);
        if (e === undefined) {
            e = { tail: Promise.resolve(), watchers: new Set() };
            this.keys.set(id, e);
        }
        return e;
    }

    /** Runs a write or delete of the key alone, after those queued before it; it then conflicts with the key's conditional PUTs in flight. */
    private async exclusive<T>(bucket: string, key: string, fn: () => Promise<T>, own?: WriteCondition): Promise<T> {
        const e = this.entry(bucket, key);
        const before = e.tail;
        let release = (): void => undefined;
        const mine = new Promise<void>((r) => (release = r));
        e.tail = mine;
        await before;
        try {
            const result = await fn();
            for (const w of e.watchers) {
                w.conflicted ||= w !== own;
            }
            return result;
        } finally {
            release();
            if (e.tail === mine && e.watchers.size === 0) {
                this.keys.delete(`${bucket}/${key}`);
            }
        }
    }

    /** Runs a conditional PUT's request with its condition watched; `run` hands the condition to the store's view of the request. */
    async watch<T>(bucket: string, key: string, ifMatch: string, ifNoneMatch: string, run: (condition: WriteCondition) => Promise<T>): Promise<T> {
        const condition: WriteCondition = { ifMatch, ifNoneMatch, conflicted: false };
        const e = this.entry(bucket, key);
        e.watchers.add(condition);
        try {
            return await run(condition);
        } finally {
            e.watchers.delete(condition);
            if (e.watchers.size === 0 && this.keys.get(`${bucket}/${key}`) === e) {
                await e.tail;
                if (e.watchers.size === 0 && this.keys.get(`${bucket}/${key}`) === e) {
                    this.keys.delete(`${bucket}/${key}`);
                }
            }
        }
    }

    /** The object's ETag without quotes, undefined when there is none. */
    async currentEtag(bucket: string, key: string): Promise<string | undefined> {
        if (!(await this.existsObject(bucket, key))) {
            return undefined;
        }
        return String((await this.getMetadata(bucket, key)).etag ?? "").replace(/"/g, "");
    }

    getResourcePath(bucket: string, key: string | undefined, resource: string): string {
        if (key === undefined || key === "") {
            return super.getResourcePath(bucket, key, resource);
        }
        let components: string[];
        try {
            components = keyToPathComponents(key);
        } catch (e) {
            throw e instanceof KeyError ? s3Error(e) : e;
        }
        const name = `${components.pop()}${S3RVER_SUFFIX}${resource}`;
        const full = path.join(this.getBucketPath(bucket), ...components, name);
        if (Buffer.byteLength(full, "utf8") > MAX_PATH_BYTES) {
            throw new S3Error("InvalidArgument", `The local S3 server cannot store this key: its path would be over ${MAX_PATH_BYTES} bytes (the file system's limit).`);
        }
        return full;
    }

    async initiateUpload(bucket: string, key: string, uploadId: string, metadata: Record<string, string>): Promise<void> {
        this.getResourcePath(bucket, key, "object");
        return super.initiateUpload(bucket, key, uploadId, metadata);
    }

    async putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void> {
        const json = Object.fromEntries(
            Object.entries(metadata).filter(([k]) => S3Object.ALLOWED_METADATA.includes(k) || k.startsWith("x-amz-meta-")),
        );
        if (md5) {
            await writeFileAtomic(this.getResourcePath(bucket, key, "object.md5"), md5);
        }
        await writeFileAtomic(this.getResourcePath(bucket, key, "metadata.json"), JSON.stringify(json, null, 2));
    }

    /** Streams the body to a temporary file, then renames it, its checksum and metadata into place. */
    async putObject(object: S3Object): Promise<{ size: number; md5: string }> {
        const objectPath = this.getResourcePath(object.bucket, object.key, "object");
        const dir = path.dirname(objectPath);
        await fs.promises.mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `${TEMPORARY}${randomBytes(6).toString("hex")}`);
        const hash = createHash("md5");
        let size = 0;
        try {
            const content = object.content ?? Buffer.alloc(0);
            await pipeline(
                Buffer.isBuffer(content) ? Readable.from([content]) : content,
                new Transform({
                    transform(chunk: Buffer, _encoding, callback) {
                        hash.update(chunk);
                        size += chunk.length;
                        callback(null, chunk);
                    },
                }),
                fs.createWriteStream(tmp),
            );
            const md5 = hash.digest("hex");
            const condition = this.scope.condition;
            await this.exclusive(
                object.bucket,
                object.key,
                async () => {
                    if (condition !== undefined) {
                        if (condition.conflicted) {
                            throw conditionalConflict();
                        }
                        const failed = failedCondition(await this.currentEtag(object.bucket, object.key), condition.ifMatch, condition.ifNoneMatch);
                        if (failed !== undefined) {
                            throw preconditionFailed(failed);
                        }
                    }
                    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
                    await fs.promises.rename(tmp, objectPath);
                },
                condition,
            );
            return { size, md5 };
        } catch (e) {
            await fs.promises.rm(tmp, { force: true });
            throw e;
        }
    }

    /**
     * Opens the object first and takes its size from the open file: a PUT renaming a new version in
     * meanwhile cannot cut the old body to the new size or the new body to the old one.
     */
    async getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3Object | null> {
        let handle: fs.promises.FileHandle;
        try {
            handle = await fs.promises.open(this.getResourcePath(bucket, key, "object"), "r");
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") {
                return null;
            }
            throw e;
        }
        try {
            const stat = await handle.stat();
            const metadata = { ...(await this.getMetadata(bucket, key)), "content-length": stat.size, "last-modified": stat.mtime.toUTCString() };
            const lastByte = Math.max(0, stat.size - 1);
            const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, lastByte) };
            const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
            // As s3rver does: an unsatisfiable range gets the object without a body.
            const satisfiable = range.start >= 0 && range.end >= range.start;
            const object = new S3Object(bucket, key, satisfiable ? handle.createReadStream({ start: range.start, end: range.end }) : null, metadata);
            if (!satisfiable) {
                await handle.close();
            }
            if (ranged) {
                object.range = range;
            }
            return object;
        } catch (e) {
            await handle.close();
            if ((e as NodeJS.ErrnoException).code === "ENOENT") {
                return null;
            }
            throw e;
        }
    }

    async deleteObject(bucket: string, key: string): Promise<void> {
        const objectPath = this.getResourcePath(bucket, key, "object");
        await this.exclusive(bucket, key, async () => {
            await Promise.all(["object", "object.md5", "metadata.json"].map((r) => fs.promises.rm(this.getResourcePath(bucket, key, r), { force: true })));
        });
        // Remove the folders the key left empty (a concurrent PUT may have refilled one: leave it then).
        const bucketPath = this.getBucketPath(bucket);
        for (let dir = path.dirname(objectPath); dir.startsWith(`${bucketPath}${path.sep}`); dir = path.dirname(dir)) {
            try {
                await fs.promises.rmdir(dir);
            } catch {
                break;
            }
        }
    }

    /** Every key under `prefix`, decoded from its path, in UTF-8 byte order (S3's), one page at a time. */
    async listObjects(
        bucket: string,
        options: { delimiter?: string; startAfter?: string; prefix?: string; maxKeys?: number },
    ): Promise<{ objects: S3Object[]; commonPrefixes: string[]; isTruncated: boolean }> {
        const { delimiter = "", startAfter = "", prefix = "", maxKeys = Infinity } = options;
        const folders = prefixFolders(prefix);
        const keys: string[] = [];
        const walk = async (dir: string, components: string[]): Promise<void> => {
            let entries: fs.Dirent[];
            try {
                entries = await fs.promises.readdir(dir, { withFileTypes: true });
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") {
                    return;
                }
                throw e;
            }
            for (const entry of entries) {
                if (entry.isDirectory()) {
                    await walk(path.join(dir, entry.name), [...components, entry.name]);
                } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
                    const key = pathComponentsToKey([...components, entry.name.slice(0, -OBJECT_SUFFIX.length)]);
                    if (key !== undefined && key.startsWith(prefix) && (startAfter === "" || byteOrder(key, startAfter) > 0)) {
                        keys.push(key);
                    }
                }
            }
        };
        await walk(path.join(this.getBucketPath(bucket), ...folders), folders);
        keys.sort(byteOrder);

        const page: string[] = [];
        const commonPrefixes = new Set<string>();
        let isTruncated = false;
        for (const key of keys) {
            const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
            if (cut !== -1) {
                commonPrefixes.add(key.slice(0, cut + delimiter.length));
                continue;
            }
            if (page.length >= maxKeys) {
                isTruncated = true;
                break;
            }
            page.push(key);
        }
        const listed = await Promise.all(
            page.map((key) =>
                this.getMetadata(bucket, key).then(
                    (metadata) => new S3Object(bucket, key, null, metadata),
                    (e: NodeJS.ErrnoException) => {
                        // Deleted since the walk: not listed.
                        if (e.code === "ENOENT") {
                            return undefined;
                        }
                        throw e;
                    },
                ),
            ),
        );
        const objects = listed.filter((o): o is S3Object => o !== undefined);
        const request = this.scope.listing;
        if (request !== undefined) {
            request.truncated = isTruncated;
        }
        return { objects, commonPrefixes: [...commonPrefixes].sort(byteOrder), isTruncated: request === undefined && isTruncated };
    }
}
