/**
 * `npm run bench:parquet [-- options]`: the summariser on Parquet against DuckDB's read_parquet with the same
 * aggregates, in one run on one machine (only the ratios compare across machines).
 *
 * The table is the bench's generator table (bench/generate.ts) written as CSV, then converted by DuckDB to Parquet
 * with snappy (its default row groups of 122,880 rows). Contenders, run alternately, best of --repeat:
 *   - summarizeParquet on the file, on 1 thread and with parallelism 2 (the main thread reads the footer, then one
 *     row group's column chunks at a time; with 2, two worker threads decode the row groups);
 *   - DuckDB: count(*), count(col), min, max, avg (numeric columns), approx_count_distinct over read_parquet, on 1 and
 *     2 threads.
 *
 * Options:
 *   --rows N     rows of the table (default 5,000,000)
 *   --repeat N   runs of each contender (default 3)
 *   --seed N     generator seed (default 20240601)
 *   --keep       keep the temporary directory
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileSource, summarizeParquet } from "../app/src/processor/summarize/parquet";
import type { ParquetFileSummary } from "../app/src/processor/summarize/parquet";
import { generateFiles } from "./generate";

interface Args {
    rows: number;
    repeat: number;
    seed: number;
    keep: boolean;
}

function parseArgs(argv: readonly string[]): Args {
    const args: Args = { rows: 5_000_000, repeat: 3, seed: 20240601, keep: false };
    const int = (name: string, v: string | undefined, min: number): number => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) {
            throw new Error(`${name}: ${JSON.stringify(v)} is not a whole number of at least ${min}`);
        }
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--rows") args.rows = int(a, argv[++i], 1);
        else if (a === "--repeat") args.repeat = int(a, argv[++i], 1);
        else if (a === "--seed") args.seed = int(a, argv[++i], 0);
        else if (a === "--keep") args.keep = true;
        else if (a === "--help") {
            process.stdout.write("npm run bench:parquet -- [--rows N] [--repeat N] [--seed N] [--keep]\n");
            process.exit(0);
        } else throw new Error(`unknown option ${String(a)} (try --help)`);
    }
    return args;
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/;

type DuckDB = typeof import("@duckdb/node-api");

/** DuckDB's answer to the same questions; returns the wall seconds and count(*). */
async function duckdbAggregates(duckdb: DuckDB, file: string, threads: number): Promise<{ seconds: number; rows: number }> {
    const started = performance.now();
    const instance = await duckdb.DuckDBInstance.create(":memory:", { threads: String(threads) });
    const conn = await instance.connect();
    const source = `read_parquet(${sqlString(file)})`;
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS();
    const selects = ["count(*)::DOUBLE AS n"];
    described.forEach((row, i) => {
        const id = sqlIdent(String(row["column_name"]));
        selects.push(`count(${id}) AS c${i}`, `min(${id})::VARCHAR AS mn${i}`, `max(${id})::VARCHAR AS mx${i}`, `approx_count_distinct(${id}) AS d${i}`);
        if (NUMERIC.test(String(row["column_type"]))) {
            selects.push(`avg(${id}) AS av${i}`);
        }
    });
    const result = (await conn.runAndReadAll(`SELECT ${selects.join(", ")} FROM ${source}`)).getRowObjectsJS();
    const seconds = (performance.now() - started) / 1000;
    conn.closeSync();
    instance.closeSync();
    return { seconds, rows: Number(result[0]["n"]) };
}

async function ours(file: string, parallelism: number): Promise<{ seconds: number; summary: ParquetFileSummary }> {
    const started = performance.now();
    const source = await fileSource(file);
    try {
        const summary = await summarizeParquet(source, { parallelism });
        return { seconds: (performance.now() - started) / 1000, summary };
    } finally {
        await source.close();
    }
}

const fmt = (s: number): string => `${s.toFixed(2)} s`;

async function main(): Promise<void> {
    const args = parseArgs(process.argv.slice(2));
    const duckdb = (await import("@duckdb/node-api")) as DuckDB;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-parquet-"));
    try {
        const csv = path.join(dir, "table.csv");
        const parquet = path.join(dir, "table.parquet");
        const gen = await generateFiles({ rows: args.rows, seed: args.seed, plainPath: csv });
        {
            const instance = await duckdb.DuckDBInstance.create(":memory:");
            const conn = await instance.connect();
            await conn.run(`COPY (SELECT * FROM read_csv(${sqlString(csv)}, header = true)) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION snappy)`);
            conn.closeSync();
            instance.closeSync();
        }
        fs.rmSync(csv);
        const size = fs.statSync(parquet).size;
        process.stdout.write(
            `Table: ${args.rows.toLocaleString("en-US")} rows (${gen.plain.bytes.toLocaleString("en-US")} bytes as CSV), ` +
                `${size.toLocaleString("en-US")} bytes as snappy Parquet written by DuckDB; ${os.cpus().length} CPUs, Node ${process.version}\n`,
        );

        const best = { ours1: Infinity, ours2: Infinity, duck1: Infinity, duck2: Infinity };
        let summary: ParquetFileSummary | undefined;
        for (let r = 0; r < args.repeat; r++) {
            const o1 = await ours(parquet, 1);
            best.ours1 = Math.min(best.ours1, o1.seconds);
            const d1 = await duckdbAggregates(duckdb, parquet, 1);
            best.duck1 = Math.min(best.duck1, d1.seconds);
            const o2 = await ours(parquet, 2);
            best.ours2 = Math.min(best.ours2, o2.seconds);
            const d2 = await duckdbAggregates(duckdb, parquet, 2);
            best.duck2 = Math.min(best.duck2, d2.seconds);
            summary = o1.summary;
            if (new Set([o1.summary.rows, o2.summary.rows, d1.rows, d2.rows]).size !== 1) {
                throw new Error(`row counts differ: ours ${o1.summary.rows} / ${o2.summary.rows}, DuckDB ${d1.rows} / ${d2.rows}`);
            }
            process.stdout.write(
                `run ${r + 1}: ours 1 thread ${fmt(o1.seconds)}, 2 threads ${fmt(o2.seconds)}; DuckDB 1 thread ${fmt(d1.seconds)}, 2 threads ${fmt(d2.seconds)}\n`,
            );
        }
        const rate = (s: number) => `${(args.rows / s / 1e6).toFixed(2)} M rows/s`;
        process.stdout.write(
            [
                "",
                `| threads | summarizeParquet (best of ${args.repeat}) | DuckDB read_parquet | ratio (ours / DuckDB) |`,
                "|---|---|---|---|",
                `| 1 | ${fmt(best.ours1)} (${rate(best.ours1)}) | ${fmt(best.duck1)} (${rate(best.duck1)}) | ${(best.ours1 / best.duck1).toFixed(1)}× |`,
                `| 2 | ${fmt(best.ours2)} (${rate(best.ours2)}) | ${fmt(best.duck2)} (${rate(best.duck2)}) | ${(best.ours2 / best.duck2).toFixed(1)}× |`,
                "",
                `Row groups: ${summary?.parquet.rowGroups}; codecs: ${summary?.parquet.codecs.join(", ")}; columns: ${summary?.columns.map((c) => `${c.name} ${c.logicalType}`).join(", ")}`,
                "",
            ].join("\n"),
        );
    } finally {
        if (args.keep) {
            process.stdout.write(`kept ${dir}\n`);
        } else {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
});
