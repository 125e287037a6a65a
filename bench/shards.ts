/**
 * `npm run bench:shards -- [--mb 1024] [--shards 1,2,4]`: wall time of one large CSV (the bench's
 * generated mixed CSV) through the local pipeline, in 1, 2 and 4 byte-range shards (docs/sharding.md):
 * from the upload's event to the merged summary and final status. The shards are local processes,
 * one summarising thread each (as a 1-vCPU task), so on a machine with fewer cores than shards they
 * share the cores: the figures say how many there are. Each run's summary is compared with the
 * one-shard run's (identical but for generatedAt). Prints figures and ratios; never fails on them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { generateFiles } from "./generate";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";

const BYTES_PER_ROW = 84;

function parse(argv: readonly string[]): { mb: number; shards: number[] } {
    let mb = 1024;
    let shards = [1, 2, 4];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--mb") {
            mb = Number(argv[++i]);
            if (!Number.isInteger(mb) || mb < 1) {
                throw new Error(`--mb: ${JSON.stringify(argv[i])} is not a whole number of MiB of at least 1`);
            }
        } else if (argv[i] === "--shards") {
            shards = String(argv[++i]).split(",").map(Number);
            if (shards.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
                throw new Error(`--shards: ${JSON.stringify(argv[i])} is not a list of shard counts from 1 to 64, such as 1,2,4`);
            }
        } else {
            throw new Error(`unknown option ${argv[i]}; use --mb N, --shards 1,2,4`);
        }
    }
    return { mb, shards };
}

interface Run {
    shards: number;
    seconds: number;
    rows?: number;
    summary: Record<string, unknown>;
    shardTasks: number;
}

async function runOnce(file: string, shards: number): Promise<Run> {
    const size = fs.statSync(file).size;
    const environment: Record<string, string> = shards === 1 ? {} : { SHARD_ABOVE_BYTES: "1", SHARD_BYTES: String(Math.ceil(size / shards)), SHARD_MAX: String(shards) };
    const events: PipelineEvent[] = [];
    let started = 0;
    const pipeline = await LocalPipeline.start({
        concurrency: 1,
        environment,
        onEvent: (e) => {
            events.push(e);
            if (e.type === "started") {
                started = performance.now();
            }
        },
    });
    try {
        await pipeline.upload("uploads/big.csv", fs.createReadStream(file));
        await pipeline.waitIdle();
        const seconds = (performance.now() - started) / 1000;
        const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/big.csv.json");
        if (status?.state !== "succeeded") {
            throw new Error(`${shards} shard(s): the file ended ${status?.state}: ${status?.error?.message ?? "no status"}`);
        }
        const summary = (await readJson<Record<string, unknown>>(pipeline.s3.client, pipeline.bucket, "processed/big.csv.summary.json")) ?? {};
        delete summary.generatedAt;
        return { shards, seconds, rows: status.rowsProcessed, summary, shardTasks: events.filter((e) => e.type === "shard-started").length };
    } finally {
        await pipeline.stop();
    }
}

async function main(): Promise<void> {
    const { mb, shards } = parse(process.argv.slice(2));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-shards-"));
    try {
        const file = path.join(dir, "big.csv");
        const generated = await generateFiles({ rows: Math.round((mb * 1048576) / BYTES_PER_ROW), seed: 20, plainPath: file });
        fs.rmSync(path.join(dir, "big.csv.gz"), { force: true });
        const cpus = os.cpus();
        process.stdout.write(
            `byte-range shards on the local pipeline: ${(generated.plain.bytes / 1048576).toFixed(0)} MiB CSV, ${generated.plain.rows.toLocaleString("en-US")} rows; ` +
                `${os.availableParallelism()} cores (${cpus[0]?.model ?? "unknown"}), load average ${os.loadavg()[0].toFixed(1)}; one summarising thread per shard\n\n`,
        );
        const runs: Run[] = [];
        for (const n of shards) {
            const run = await runOnce(file, n);
            runs.push(run);
            process.stdout.write(`  ${n} shard(s): ${run.seconds.toFixed(1)} s\n`);
        }
        const base = runs.find((r) => r.shards === 1) ?? runs[0];
        process.stdout.write(`\n| shards | shard tasks started | wall s | speed-up vs ${base.shards} | MB/s | rows | summary identical to ${base.shards}'s |\n|---|---|---|---|---|---|---|\n`);
        for (const r of runs) {
            const same = JSON.stringify(r.summary) === JSON.stringify(base.summary);
            process.stdout.write(
                `| ${r.shards} | ${r.shardTasks} | ${r.seconds.toFixed(1)} | ${(base.seconds / r.seconds).toFixed(2)}× | ${(generated.plain.bytes / 1e6 / r.seconds).toFixed(0)} | ${r.rows?.toLocaleString("en-US")} | ${same ? "yes" : "NO"} |\n`,
            );
        }
        process.stdout.write(`\nWall time: from the upload's event to the final status (coordinator start, shard tasks, merge). On ${os.availableParallelism()} cores, more shards than cores share them.\n`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
});
