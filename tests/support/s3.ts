/**
 * A real S3-compatible server (s3rver) on loopback for end-to-end tests, and a proxy in front of it
 * that can slow down or refuse requests, to exercise interruption and access-denied paths.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as http from "http";
import { AddressInfo } from "net";
import { LOCAL_CREDENTIALS, startLocalS3 } from "../../app/src/local/s3-server";

export const CREDENTIALS = LOCAL_CREDENTIALS;

export interface LocalS3 {
    endpoint: string;
    client: S3Client;
    put(bucket: string, key: string, body: string | Buffer): Promise<void>;
    get(bucket: string, key: string): Promise<string | undefined>;
    createBucket(name: string): Promise<void>;
    close(): Promise<void>;
}

export async function startS3(): Promise<LocalS3> {
    const server = await startLocalS3();
    const client = server.client;
    return {
        endpoint: server.endpoint,
        client,
        put: async (bucket, key, body) => {
            // As bytes: the SDK gives an empty string no Content-Length, and warns about a stream of unknown length.
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === "string" ? Buffer.from(body) : body }));
        },
        get: async (bucket, key) => {
            try {
                const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
                return await res.Body!.transformToString();
            } catch (e) {
                if ((e as Error).name === "NoSuchKey") {
                    return undefined;
                }
                throw e;
            }
        },
        createBucket: server.createBucket,
        close: server.close,
    };
}

/**
 * Relays one request to `upstream`, without keep-alive (so that the server's close does not wait for this front's idle
 * connections); a client that stops reading (the processor drops the opened GET of a large object) ends the upstream
 * request too.
 */
export function relay(upstream: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
    });
    forward.on("error", () => res.destroy());
    res.on("close", () => forward.destroy());
    req.pipe(forward);
}

export interface ProxyRule {
    /** Requests whose decoded path contains this text are affected. */
    pathIncludes: string;
    /** Answer 403 AccessDenied as S3 does. */
    deny?: boolean;
    /** Relay the response body at most this many bytes per 100 ms. */
    bytesPer100ms?: number;
}

/** An HTTP proxy to `upstream` applying the first matching rule. */
export async function startProxy(upstream: string, rules: ProxyRule[]): Promise<{ endpoint: string; close(): Promise<void> }> {
    const target = new URL(upstream);
    const sockets = new Set<import("net").Socket>();
    const server = http.createServer((req, res) => {
        const rule = rules.find((r) => decodeURIComponent(req.url ?? "").includes(r.pathIncludes));
        if (rule?.deny) {
            res.writeHead(403, { "content-type": "application/xml" });
            res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
            return;
        }
        const forward = http.request(
            { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                if (!rule?.bytesPer100ms) {
                    up.pipe(res);
                    return;
                }
                const limit = rule.bytesPer100ms;
                up.on("data", (chunk: Buffer) => {
                    up.pause();
                    let offset = 0;
                    const step = () => {
                        if (res.destroyed) {
                            up.destroy();
                            return;
                        }
                        res.write(chunk.subarray(offset, offset + limit));
                        offset += limit;
                        if (offset < chunk.length) {
                            setTimeout(step, 100);
                        } else {
                            setTimeout(() => up.resume(), 100);
                        }
                    };
                    step();
                });
                up.on("end", () => res.end());
            },
        );
        forward.on("error", () => res.destroy());
        req.pipe(forward);
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) {
                    s.destroy();
                }
                server.close(() => resolve());
            }),
    };
}

/**
 * The status document the processor wrote for the upload `relative` (its key under the upload prefix) in
 * `bucket`, as parsed JSON (a test reads fields it expects to be there); null when there is none.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readStatus(s3: LocalS3, bucket: string, relative: string): Promise<any> {
    return JSON.parse((await s3.get(bucket, `status/${relative}.json`)) ?? "null");
}

/** Keys S3 accepts that are hostile as file paths: empty and dot segments, over-long segments, NUL, controls and a bidi override. */
export const PATH_HOSTILE_KEYS: readonly string[] = [
    "uploads//double//slash.csv",
    "uploads/./dot.csv",
    "uploads/..",
    `uploads/${"x".repeat(300)}.csv`,
    `uploads/${"d".repeat(250)}/${"e".repeat(250)}/deep.csv`,
    "uploads/nul\u0000byte.csv",
    "uploads/new\nline\ttab.csv",
    "uploads/report\u202evsc.csv",
];

/** Every key under a prefix, following continuation tokens (pages of `pageSize` keys, S3's default when not given). */
export async function listAll(client: S3Client, bucket: string, prefix: string, pageSize?: number): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys;
}
