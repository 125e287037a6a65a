/** What the byte-range shard tests on the local pipeline share (tests/shards.test.ts, tests/shards-failures.test.ts). */
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as path from "path";
import { LocalPipeline, PipelineEvent } from "../../app/src/local/pipeline";
import { ROOT } from "../mocks";

/** A command that writes the rows and the sum of its range's `name,amount` lines (tests/fixtures/shards). */
export const RANGE_COMMAND = [process.execPath, path.join(ROOT, "tests", "fixtures", "shards", "range-totals.js")];

/** `name,amount` lines; amounts large enough that a lost or doubled line changes the sum. */
export function totalsFile(lines: number): { text: string; rows: number; sum: string } {
    let sum = 0n;
    const out: string[] = [];
    for (let i = 0; i < lines; i++) {
        const amount = BigInt(i) * 1000003n + 7n;
        sum += amount;
        out.push(`row-${i}-${"x".repeat(i % 13)},${amount}`);
    }
    return { text: `${out.join("\n")}\n`, rows: lines, sum: sum.toString() };
}

/** The keys under `prefix` in the pipeline's bucket. */
export async function listKeys(pipeline: LocalPipeline, prefix: string): Promise<string[]> {
    const res = await pipeline.s3.client.send(new ListObjectsV2Command({ Bucket: pipeline.bucket, Prefix: prefix }));
    return (res.Contents ?? []).map((o) => o.Key as string);
}

/** Runs `body` on a local pipeline of two processors with `environment`, stopped afterwards. */
export async function withPipeline(
    environment: Record<string, string>,
    command: string[] | undefined,
    body: (p: LocalPipeline, events: PipelineEvent[], logs: Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
    const events: PipelineEvent[] = [];
    const logs: Record<string, unknown>[] = [];
    const pipeline = await LocalPipeline.start({ concurrency: 2, command, environment, onEvent: (e) => events.push(e), onLog: (_key, entry) => logs.push(entry) });
    try {
        await body(pipeline, events, logs);
    } finally {
        await pipeline.stop();
    }
}
