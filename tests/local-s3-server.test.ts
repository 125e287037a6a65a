/**
 * The local S3 server: S3's key limits, every key kept inside the data folder, listings in S3's
 * order across pages, whole-or-nothing writes, and no request that can take the server down.
 */
import { strict as assert } from "assert";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { PassThrough } from "stream";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MAX_KEY_BYTES, keyToPathComponents, pathComponentsToKey } from "../app/src/local/object-paths";
import { LocalS3Server, localS3Client, startLocalS3 } from "../app/src/local/s3-server";
import { PATH_HOSTILE_KEYS, listAll } from "./support/s3";

const BUCKET = "local-test";

/** Every file under `dir`, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]));
}

async function put(client: S3Client, key: string, body: string): Promise<void> {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

async function get(client: S3Client, key: string): Promise<string> {
    return (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
}

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe("local S3 server: object paths", () => {
    it("maps every key S3 accepts to plain path components inside the bucket, and back exactly", () => {
        const segment = fc.oneof(
            fc.constantFrom("", ".", "..", ".~=x", ".~+", "a._S3rver_object", "x".repeat(250), "é".repeat(130)),
            fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("/")),
        );
        fc.assert(
            fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
                const key = segments.join("/");
                if (key.length === 0 || Buffer.byteLength(key) > MAX_KEY_BYTES || /[\ud800-\udfff]/.test(key)) {
                    return;
                }
                const components = keyToPathComponents(key);
                components.forEach((c, i) => {
                    assert.ok(c !== "" && c !== "." && c !== ".." && !c.includes("/") && !c.includes("\u0000"), JSON.stringify(c));
                    // A folder name up to 255 bytes; the file's base name leaves room for s3rver's suffixes.
                    assert.ok(Buffer.byteLength(c) <= (i === components.length - 1 ? 233 : 255), `component of ${Buffer.byteLength(c)} bytes`);
                });
                assert.equal(pathComponentsToKey(components), key);
            }),
            { numRuns: 400 },
        );
    });

    it("keeps plain segments readable on disk", () => {
        assert.deepEqual(keyToPathComponents("uploads/2026/day.csv"), ["uploads", "2026", "day.csv"]);
        assert.deepEqual(keyToPathComponents("uploads/../x.csv"), ["uploads", ".~=Li4", "x.csv"]);
    });
});

describe("local S3 server", function () {
    this.timeout(60000);
    let root: string;
    let s3: LocalS3Server;
    const logged: string[] = [];

    before(async () => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "local-s3-test-"));
        s3 = await startLocalS3({ directory: path.join(root, "data"), log: (l) => logged.push(l) });
        await s3.createBucket(BUCKET);
    });

    after(async () => {
        await s3.close();
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("rejects a key over 1,024 bytes of UTF-8 with KeyTooLongError (400), and accepts one of exactly 1,024", async () => {
        const tooLong = `uploads/${"é".repeat(508)}`; // 8 + 1016 = 1024 bytes … plus one more character below
        assert.equal(Buffer.byteLength(tooLong), 1024);
        await put(s3.client, tooLong, "ok");
        assert.equal(await get(s3.client, tooLong), "ok");
        const error = await put(s3.client, `${tooLong}x`, "no").catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
        assert.equal(error?.name, "KeyTooLongError");
        assert.equal(error?.$metadata?.httpStatusCode, 400);
        assert.match(error!.message, /1025 bytes of UTF-8; the maximum is 1024/);
    });

    it("stores keys with `..`, absolute paths, empty and over-long segments, NUL and controls inside its folder, readable back and listed", async () => {
        const keys = [
            "uploads/../../../../../../../../../../tmp/escaped-by-key.csv",
            "/etc/absolute.csv",
            ...PATH_HOSTILE_KEYS,
            "uploads/a._S3rver_object",
            "uploads/.~=looks-encoded",
            'uploads/<q>"\'\\&.csv',
        ];
        for (const [i, key] of keys.entries()) {
            await put(s3.client, key, `body ${i}`);
        }
        for (const [i, key] of keys.entries()) {
            assert.equal(await get(s3.client, key), `body ${i}`, JSON.stringify(key));
        }
        const listed = await listAll(s3.client, BUCKET, "", 1000);
        for (const key of keys) {
            assert.ok(listed.includes(key), `${JSON.stringify(key)} is listed`);
        }
        assert.deepEqual(fs.readdirSync(root), ["data"], "nothing beside the data folder");
        assert.ok(!fs.existsSync("/tmp/escaped-by-key.csv") && !fs.existsSync("/tmp/escaped-by-key.csv._S3rver_object"));
        for (const file of walk(path.join(root, "data"))) {
            assert.ok(!file.startsWith(".."), file);
        }
    });

    it("lists in UTF-8 byte order across pages, each key once", async () => {
        const keys = Array.from({ length: 40 }, (_, i) => `paged/${["b", "a", "ä", "😀", "Z", "~", "ab", "a/b"][i % 8]}${i}`);
        for (const key of [...keys].reverse()) {
            await put(s3.client, key, "x");
        }
        const listed = await listAll(s3.client, BUCKET, "paged/", 7);
        assert.deepEqual(listed, [...keys].sort(utf8Order));
    });

    it("writes whole objects: a reader never sees part of a document being replaced", async () => {
        const big = (n: number) => JSON.stringify({ n, pad: "x".repeat(400_000) });
        await put(s3.client, "status/doc.json", big(0));
        let reads = 0;
        let writing = true;
        const reader = (async () => {
            while (writing) {
                const text = await get(s3.client, "status/doc.json");
                assert.doesNotThrow(() => JSON.parse(text), "a half-written document was read");
                reads++;
            }
        })();
        for (let n = 1; n <= 20; n++) {
            await put(s3.client, "status/doc.json", big(n));
        }
        writing = false;
        await reader;
        assert.ok(reads > 0);
        assert.equal((JSON.parse(await get(s3.client, "status/doc.json")) as { n: number }).n, 20);
        assert.deepEqual(
            walk(path.join(root, "data", BUCKET, "status")).filter((f) => f.includes(".~tmp.")),
            [],
            "no temporary files left",
        );
    });

    /** The HTTP status of a request's failure (undefined when it succeeded). */
    const statusOf = (p: Promise<unknown>): Promise<number | undefined> =>
        p.then(
            () => undefined,
            (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode,
        );

    /**
     * Starts a conditional PUT of `key` whose body is held back until the returned `finish` is called; resolves once
     * the server is receiving its body (its temporary file is there: the condition was checked and is being watched).
     */
    /** The SDK warns of each failed request with a streamed body (it cannot send it again). */
    const sdkWarnings: string[] = [];
    let heldClient: S3Client;
    before(() => {
        heldClient = localS3Client(s3.endpoint, { debug: () => undefined, info: () => undefined, warn: (m: string) => sdkWarnings.push(m), error: () => undefined });
    });
    after(() => heldClient.destroy());

    async function heldConditionalPut(key: string, condition: { IfMatch?: string; IfNoneMatch?: string }, text: string): Promise<{ finish(): Promise<number | undefined> }> {
        const folder = path.join(root, "data", BUCKET, path.dirname(key));
        const receiving = (): boolean => fs.existsSync(folder) && walk(folder).some((f) => f.includes(".~tmp."));
        assert.equal(receiving(), false);
        const body = new PassThrough();
        body.write(Buffer.from(text).subarray(0, 10));
        const sent = statusOf(heldClient.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentLength: Buffer.byteLength(text), ...condition })));
        let answered: number | undefined | "pending" = "pending";
        void sent.then((status) => (answered = status));
        while (!receiving()) {
            assert.equal(answered, "pending", `the held PUT of ${key} was answered before its body was sent`);
            await new Promise((r) => setTimeout(r, 5));
        }
        return {
            finish: () => {
                body.end(Buffer.from(text).subarray(10));
                return sent;
            },
        };
    }

    it("answers 409 ConditionalRequestConflict to a conditional PUT when another write or delete of the key applied while its body was sent, and keeps that write", async () => {
        await put(s3.client, "cond/a.json", "first");
        const etag = (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cond/a.json" }))).ETag!;
        // If-Match on the current ETag, but an unconditional PUT lands first: the conditional one must not overwrite it.
        const held = await heldConditionalPut("cond/a.json", { IfMatch: etag }, "conditional write, held back");
        await put(s3.client, "cond/a.json", "unconditional");
        assert.equal(await held.finish(), 409);
        assert.equal(await get(s3.client, "cond/a.json"), "unconditional");

        // If-None-Match on a missing key, created meanwhile.
        const create = await heldConditionalPut("cond/b.json", { IfNoneMatch: "*" }, "create once, held back");
        await put(s3.client, "cond/b.json", "created meanwhile");
        assert.equal(await create.finish(), 409);
        assert.equal(await get(s3.client, "cond/b.json"), "created meanwhile");

        // A delete meanwhile: the conditional write does not bring the key back.
        const etagB = (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cond/b.json" }))).ETag!;
        const replace = await heldConditionalPut("cond/b.json", { IfMatch: etagB }, "replace, held back");
        await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "cond/b.json" }));
        assert.equal(await replace.finish(), 409);
        assert.equal(await statusOf(get(s3.client, "cond/b.json")), 404);

        assert.deepEqual(sdkWarnings, Array(3).fill("An error was encountered in a non-retryable streaming request."));

        // Nothing meanwhile: the held write applies, and its condition is checked then.
        const quiet = await heldConditionalPut("cond/a.json", { IfMatch: (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cond/a.json" }))).ETag! }, "replaced in turn");
        assert.equal(await quiet.finish(), undefined);
        assert.equal(await get(s3.client, "cond/a.json"), "replaced in turn");
        assert.deepEqual(
            walk(path.join(root, "data", BUCKET, "cond")).filter((f) => f.includes(".~tmp.")),
            [],
            "no temporary files left",
        );
    });

    it("answers an error inside a request with a 500, logs it, and goes on serving", async () => {
        // A plain file where the key needs a folder: the store cannot create it.
        fs.writeFileSync(path.join(root, "data", BUCKET, "blocked"), "");
        const error = await put(s3.client, "blocked/x.csv", "x").catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
        assert.equal(error?.$metadata?.httpStatusCode, 500);
        assert.ok(logged.some((l) => /PUT "\/local-test\/blocked\/x\.csv" failed \(500\): EEXIST/.test(l)), logged.join("\n"));
        await put(s3.client, "after/ok.csv", "still here");
        assert.equal(await get(s3.client, "after/ok.csv"), "still here");
    });

    it("an object-created listener that throws is logged; the upload succeeds and other listeners run", async () => {
        const seen: string[] = [];
        s3.onObjectCreated(() => {
            throw new Error("listener bug");
        });
        s3.onObjectCreated((r) => seen.push(r.s3.object.key));
        await put(s3.client, "events/one.csv", "x");
        assert.deepEqual(seen, ["events/one.csv"]);
        assert.ok(logged.some((l) => l.includes("listener failed") && l.includes("listener bug")));
    });
});
