/**
 * Byte-range shards end to end on the local pipeline (docs/sharding.md): the coordinator starts
 * shards through RunTask (answered by local processes), each shard writes a partial, the last one
 * merges; a killed shard is retried; a duplicate event starts nothing; the result is the unsharded one.
 */
import { strict as assert } from "assert";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as path from "path";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";
import { ROOT } from "./mocks";

const RANGE_COMMAND = [process.execPath, path.join(ROOT, "tests", "fixtures", "shards", "range-totals.js")];

/** `name,amount` lines; amounts large enough that a lost or doubled line changes the sum. */
function totalsFile(lines: number): { text: string; rows: number; sum: string } {
    let sum = 0n;
    const out: string[] = [];
    for (let i = 0; i < lines; i++) {
        const amount = BigInt(i) * 1000003n + 7n;
        sum += amount;
        out.push(`row-${i}-${"x".repeat(i % 13)},${amount}`);
    }
    return { text: `${out.join("\n")}\n`, rows: lines, sum: sum.toString() };
}

async function listKeys(pipeline: LocalPipeline, prefix: string): Promise<string[]> {
    const res = await pipeline.s3.client.send(new ListObjectsV2Command({ Bucket: pipeline.bucket, Prefix: prefix }));
    return (res.Contents ?? []).map((o) => o.Key as string);
}

describe("byte-range shards on the local pipeline", function () {
    this.timeout(300000);

    async function withPipeline(environment: Record<string, string>, command: string[] | undefined, body: (p: LocalPipeline, events: PipelineEvent[]) => Promise<void>): Promise<void> {
        const events: PipelineEvent[] = [];
        const pipeline = await LocalPipeline.start({ concurrency: 2, command, environment, onEvent: (e) => events.push(e) });
        try {
            await body(pipeline, events);
        } finally {
            await pipeline.stop();
        }
    }

    it("a range command split into 4 shards gives the unsharded result, one status with the shards, and no partials left", async () => {
        const file = totalsFile(20000);
        await withPipeline({ SHARD_ABOVE_BYTES: "1000", SHARD_BYTES: String(Math.ceil(file.text.length / 4)), COMMAND_ACCEPTS_RANGE: "true" }, RANGE_COMMAND, async (pipeline, events) => {
            await pipeline.upload("uploads/big.csv", file.text);
            await pipeline.waitIdle();
            const totals = await readJson<{ rows: number; sum: string }>(pipeline.s3.client, pipeline.bucket, "processed/big.csv/totals.json");
            assert.deepEqual(totals, { rows: file.rows, sum: file.sum });
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/big.csv.json");
            assert.equal(status?.state, "succeeded");
            assert.deepEqual(status?.shards, { total: 4, done: 4, failed: 0, rows: file.rows });
            assert.equal(status?.rowsProcessed, file.rows);
            assert.deepEqual(
                events.filter((e) => e.type === "shard-started").map((e) => (e as { shard: number }).shard).sort(),
                [1, 2, 3],
            );
            assert.deepEqual(await listKeys(pipeline, "partials/"), []);
        });
    });
});
