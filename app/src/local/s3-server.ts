/**
 * A real S3-compatible server (s3rver) on loopback, for the local pipeline and the tests: data in a
 * temporary directory unless one is given, a free port, and a callback for object-created events.
 *
 * It rejects what S3 rejects and never dies of a request: keys go through SafeStore (S3's key
 * limits, every key kept inside the data folder, atomic writes, ordered listings); an error inside
 * a request becomes that request's 500 and is logged; a listener that throws is logged and the
 * others still run.
 */
import { CreateBucketCommand, S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import * as fs from "fs";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import S3rver from "s3rver";
import { SafeStore, conditionalConflict, failedCondition, preconditionFailed } from "./s3-store";

/** s3rver accepts these fixed credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

export type ObjectCreatedRecord = S3rver.S3rverRecord;

export interface LocalS3Server {
    endpoint: string;
    /** Where the objects are stored. */
    directory: string;
    client: S3Client;
    createBucket(name: string): Promise<void>;
    /** Called for every object created (put, copy, multipart completion). */
    onObjectCreated(listener: (record: ObjectCreatedRecord) => void): void;
    close(): Promise<void>;
}

type KoaContext = S3rver.KoaContext;

interface ListBucketBody {
    ListBucketResult?: Record<string, unknown> & { Contents?: { Key: string }[] };
}

/**
 * Two fixes in front of s3rver's router, for path-style requests:
 * - the key part of the path is passed as one encoded segment, so the router hands the controllers
 *   the exact key even when it starts with `/` or holds `//` (keys S3 accepts; s3rver answered 404);
 * - ListObjects pages: a continuation token is the last key of the page (base64url), read back as
 *   StartAfter; the store says whether the page was cut (RequestScope in s3-store.ts).
 */
async function exactKeysAndListPages(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    const match = /^\/([^/]+)\/(.+)$/s.exec(ctx.path);
    if (match) {
        try {
            ctx.path = `/${match[1]}/${encodeURIComponent(decodeURIComponent(match[2]))}`;
        } catch {
            // Not valid URL encoding: left for the router to refuse.
        }
        return next();
    }
    if (ctx.method !== "GET" || !/^\/[^/]+\/?$/.test(ctx.path) || Object.keys(ctx.query).some((q) => q !== "list-type" && !LIST_PARAMETERS.has(q))) {
        return next();
    }
    const v2 = ctx.query["list-type"] === "2";
    const token = typeof ctx.query["continuation-token"] === "string" ? ctx.query["continuation-token"] : undefined;
    if (v2 && token !== undefined) {
        const startAfter = Buffer.from(token, "base64url").toString("utf8");
        const query: Record<string, unknown> = { ...ctx.query, "start-after": startAfter };
        delete query["continuation-token"];
        ctx.query = query as KoaContext["query"];
    }
    const state = { truncated: false };
    ctx.store = (ctx.store as SafeStore).forRequest({ listing: state });
    await next();
    const result = (ctx.body as ListBucketBody | undefined)?.ListBucketResult;
    if (result === undefined) {
        return;
    }
    const last = result.Contents?.[result.Contents.length - 1]?.Key;
    result.IsTruncated = state.truncated;
    if (v2) {
        if (token !== undefined) {
            delete result.StartAfter;
            result.ContinuationToken = token;
        }
        if (state.truncated && last !== undefined) {
            result.NextContinuationToken = Buffer.from(last, "utf8").toString("base64url");
        }
    } else if (state.truncated && last !== undefined) {
        result.NextMarker = last;
    }
}

/** Keys with a conditional PUT in flight: a second one at the same time gets 409, as S3 answers. */
const conditionalWrites = new Set<string>();

/**
 * S3's conditional requests, which s3rver lacks, as AWS documents them
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html):
 * - PutObject with `If-None-Match: *`: 412 when the key exists; 409 ConditionalRequestConflict
 *   while another conditional write of the key is in flight;
 * - PutObject with `If-Match: <etag>`: 412 unless the key exists with that ETag;
 * - both checked on arrival and again when the write applies, one write or delete of a key at a
 *   time: 409 if another write or delete of the key applied meanwhile (SafeStore);
 * - GetObject / HeadObject with `If-Match: <etag>`: 412 unless the object has that ETag.
 * Runs after exactKeysAndListPages, so the path holds the key as one encoded segment.
 */
async function conditionalRequests(ctx: KoaContext, next: () => Promise<void>): Promise<void> {
    const match = /^\/([^/]+)\/(.+)$/s.exec(ctx.path);
    const ifNoneMatch = ctx.get("if-none-match");
    const ifMatch = ctx.get("if-match");
    if (!match || (ifMatch === "" && (ifNoneMatch === "" || ctx.method !== "PUT")) || ctx.get("x-amz-copy-source") !== "" || ctx.query.uploadId !== undefined) {
        return next();
    }
    const bucket = match[1];
    const key = decodeURIComponent(match[2]);
    const store = ctx.store as SafeStore;
    if (ctx.method !== "PUT") {
        // A missing object is the GET's own 404; `*` matches any existing one.
        const etag = ifMatch === "*" ? undefined : await store.currentEtag(bucket, key);
        if (etag !== undefined && etag !== ifMatch.replace(/"/g, "")) {
            throw preconditionFailed("If-Match");
        }
        return next();
    }
    const id = `${bucket}/${key}`;
    if (conditionalWrites.has(id)) {
        throw conditionalConflict();
    }
    conditionalWrites.add(id);
    try {
        await store.watch(bucket, key, ifMatch, ifNoneMatch, async (condition) => {
            // Checked now, before the body is read, and again when the write applies (SafeStore.putObject).
            const failed = failedCondition(await store.currentEtag(bucket, key), ifMatch, ifNoneMatch);
            if (failed !== undefined) {
                throw preconditionFailed(failed);
            }
            ctx.store = store.forRequest({ condition });
            await next();
        });
    } finally {
        conditionalWrites.delete(id);
    }
}

function decodedPath(p: string): string {
    try {
        return decodeURIComponent(p);
    } catch {
        return p;
    }
}

const LIST_PARAMETERS = new Set(["prefix", "delimiter", "max-keys", "continuation-token", "start-after", "marker", "encoding-type", "fetch-owner", "x-id"]);

/** An S3 client for a local, path-style endpoint (with `logger`, the SDK's warnings go there). */
export function localS3Client(endpoint: string, logger?: S3ClientConfig["logger"]): S3Client {
    return new S3Client({
        logger,
        region: "us-east-1",
        endpoint,
        forcePathStyle: true,
        credentials: LOCAL_CREDENTIALS,
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
    });
}

export interface LocalS3Options {
    /** Where objects are stored. @default a temporary directory, removed on close */
    directory?: string;
    /** Where errors inside the server are reported (one line each). @default stderr */
    log?: (line: string) => void;
}

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3Server> {
    const owned = options.directory === undefined;
    const directory = options.directory ?? fs.mkdtempSync(path.join(os.tmpdir(), "s3-local-"));
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    fs.mkdirSync(directory, { recursive: true });
    const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory });
    server.store = server.context.store = new SafeStore(directory);
    // After s3rver's logger and XML encoder, before its router (Koa composes the list on `run`).
    server.middleware.splice(2, 0, exactKeysAndListPages, conditionalRequests);
    // Koa turns an error thrown while handling a request into that request's error response (500
    // for anything that is not an S3 error) and reports it here; the server goes on.
    server.on("error", (error, ctx) => {
        // A client that hangs up while an object is still being sent (it stopped reading: a duplicate
        // event skipped, a stopped processor) is not a failure of the server.
        const clientGone = (error.code === "ECONNRESET" || error.code === "EPIPE") && ctx?.method === "GET";
        if ((error.status ?? 500) >= 500 && !clientGone) {
            log(`local S3 server: ${ctx ? `${ctx.method} ${JSON.stringify(decodedPath(ctx.path))}` : "a request"} failed (500): ${error.code ?? error.name}: ${error.message}`);
        }
    });
    const { port } = (await server.run()) as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const client = localS3Client(endpoint);
    const listeners: ((record: ObjectCreatedRecord) => void)[] = [];
    server.on("event", (event) => {
        for (const record of event.Records) {
            if (record.eventName.startsWith("ObjectCreated:")) {
                for (const listener of listeners) {
                    try {
                        listener(record);
                    } catch (e) {
                        log(`local S3 server: an object-created listener failed for ${JSON.stringify(record.s3.object.key)}: ${(e as Error).message}`);
                    }
                }
            }
        }
    });
    return {
        endpoint,
        directory,
        client,
        createBucket: async (name) => {
            try {
                await client.send(new CreateBucketCommand({ Bucket: name }));
            } catch (e) {
                if ((e as Error).name !== "BucketAlreadyOwnedByYou" && (e as Error).name !== "BucketAlreadyExists") {
                    throw e;
                }
            }
        },
        onObjectCreated: (listener) => listeners.push(listener),
        close: async () => {
            client.destroy();
            await server.close();
            if (owned) {
                fs.rmSync(directory, { recursive: true, force: true });
            }
        },
    };
}
