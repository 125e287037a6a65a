/**
 * The examples in examples/, end to end on the local pipeline (a local S3 server, the upload rule, the
 * processor runtime running each command), and the conformance check against them. The Python
 * example needs python3: without it these tests fail, saying so; they are never skipped.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Papa from "papaparse";
import { ConformanceReport, formatReport, parseConformanceArgs, runConformance } from "../app/src/local/conformance";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { sampleCsv } from "../app/src/local/sample";
import { resolveProgram } from "../app/src/processor/command";
import { readJson } from "../app/src/processor/s3";
import { StatusDocument } from "../app/src/processor/status";
import { runDemo } from "./support/demo-cli";
import { until } from "./support/processor";
import { ROOT } from "./mocks";

const example = (p: string) => path.join(ROOT, "examples", p);
const GROUP_TOTALS = ["python3", example("group-totals/main.py")];
const COUNT_VALUES = ["sh", example("count-values/count.sh")];
const REQUIRE_COLUMN = ["sh", example("require-column/check.sh")];
const IGNORES_SIGTERM = ["python3", example("ignores-sigterm/main.py")];

async function text(stream: NodeJS.ReadableStream): Promise<string> {
    let out = "";
    for await (const chunk of stream) {
        out += chunk.toString();
    }
    return out;
}

/** Rows of a CSV as objects (papaparse: quotes, embedded commas). */
function parseCsv(csv: string): Record<string, string>[] {
    return Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
}

describe("the examples folder", () => {
    it("has a README for each example that shows how to run it with --command", () => {
        for (const name of ["group-totals", "count-values", "require-column", "ignores-sigterm"]) {
            const readme = fs.readFileSync(example(`${name}/README.md`), "utf8");
            assert.match(readme, new RegExp(`--command "(python3|sh) examples/${name}/`), name);
        }
    });
});

describe("the examples, end to end on the local pipeline", function () {
    this.timeout(180000);
    let pipeline: LocalPipeline | undefined;
    let events: PipelineEvent[];
    let logs: { key: string; entry: Record<string, unknown> }[];
    let sample: string;

    before(async () => {
        if (resolveProgram("python3", process.env.PATH) === undefined) {
            throw new Error("python3 is not on PATH: the examples' tests need Python 3 (e.g. apt-get install python3); they are part of npm test and are not skipped");
        }
        sample = await text(sampleCsv(3000));
    });
    afterEach(async () => {
        await pipeline?.stop();
        pipeline = undefined;
    });

    const start = async (command: string[], environment: Record<string, string> = {}) => {
        events = [];
        logs = [];
        pipeline = await LocalPipeline.start({ command, environment, concurrency: 1, onEvent: (e) => events.push(e), onLog: (key, entry) => logs.push({ key, entry }) });
        return pipeline;
    };
    const status = (p: LocalPipeline, relative: string) => readJson<StatusDocument>(p.s3.client, p.bucket, `status/${relative}.json`);
    const get = async (p: LocalPipeline, key: string) => (await readJson<unknown>(p.s3.client, p.bucket, key).catch(() => undefined)) as unknown;
    const getText = async (p: LocalPipeline, key: string) => {
        const { GetObjectCommand } = await import("@aws-sdk/client-s3");
        const res = await p.s3.client.send(new GetObjectCommand({ Bucket: p.bucket, Key: key }));
        return res.Body!.transformToString();
    };

    it("group-totals (Python): per-region row counts and amount sums as CSV and JSON, with counts in the status", async () => {
        const p = await start(GROUP_TOTALS);
        const withBad = `${sample}3001,not-a-number,true,2026-01-01T00:00:00Z,north,\n`;
        await p.upload("uploads/orders.csv", withBad);
        await p.waitIdle();
        const rows = parseCsv(sample);
        const expected = new Map<string, { rows: number; amount: number }>();
        for (const r of rows) {
            const t = expected.get(r.region) ?? { rows: 0, amount: 0 };
            t.rows++;
            t.amount += r.amount === "" ? 0 : Number(r.amount);
            expected.set(r.region, t);
        }
        const csv = parseCsv(await getText(p, "processed/orders.csv/totals.csv"));
        assert.deepEqual(csv.map((r) => r.region), [...expected.keys()].sort());
        for (const r of csv) {
            assert.equal(Number(r.rows), expected.get(r.region)!.rows, r.region);
            assert.ok(Math.abs(Number(r.amount_sum) - expected.get(r.region)!.amount) < 1e-6, `${r.region}: ${r.amount_sum}`);
        }
        const json = (await get(p, "processed/orders.csv/totals.json")) as { groupBy: string; sums: string[]; groups: { group: string; rows: number }[] };
        assert.deepEqual([json.groupBy, json.sums], ["region", ["amount"]]);
        assert.deepEqual(json.groups.map((g) => [g.group, g.rows]), csv.map((r) => [r.region, Number(r.rows)]));
        const st = (await status(p, "orders.csv"))!;
        assert.deepEqual([st.state, st.job, st.rowsProcessed, st.badRows, st.metrics], ["succeeded", "command", 3000, 1, { Groups: expected.size }]);
        assert.equal(st.message, `${expected.size} groups by region, sums of amount`);
        assert.deepEqual(st.outputs!.map((o) => o.key), ["processed/orders.csv/totals.csv", "processed/orders.csv/totals.json"]);
        const done = events.find((e) => e.type === "succeeded");
        assert.deepEqual(done?.type === "succeeded" ? [done.rows, done.outputKeys] : undefined, [3000, ["processed/orders.csv/totals.csv", "processed/orders.csv/totals.json"]]);
    });

    it("group-totals: settings from the environment, and exit 65 naming the columns when one is missing", async () => {
        const p = await start(GROUP_TOTALS, { GROUP_BY: "paid", SUM: "amount" });
        await p.upload("uploads/by-paid.csv", sample);
        await p.upload("uploads/no-such.csv", "a,b\n1,2\n");
        await p.waitIdle();
        const csv = parseCsv(await getText(p, "processed/by-paid.csv/totals.csv"));
        assert.deepEqual(csv.map((r) => r.paid), ["false", "true"]);
        assert.equal(csv.reduce((n, r) => n + Number(r.rows), 0), 3000);
        const failed = (await status(p, "no-such.csv"))!;
        assert.deepEqual([failed.state, failed.error?.class, failed.error?.exitCode, failed.error?.commandExitCode], ["failed", "CommandFailed:input", 65, 65]);
        assert.equal(failed.error?.message, "the command exited 65: error: GROUP_BY: no column 'paid'; the columns are a, b");
    });

    it("count-values (sh + coreutils): sort | uniq -c of the region column", async () => {
        const p = await start(COUNT_VALUES);
        await p.upload("uploads/orders.csv", sample);
        await p.waitIdle();
        const counts = new Map<string, number>();
        for (const r of parseCsv(sample)) {
            counts.set(r.region, (counts.get(r.region) ?? 0) + 1);
        }
        const lines = (await getText(p, "processed/orders.csv/counts.txt")).trim().split("\n").map((l) => l.trim().split(/\s+/));
        assert.deepEqual(new Map(lines.map(([n, v]) => [v, Number(n)])), counts);
        const numbers = lines.map(([n]) => Number(n));
        assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), "most frequent first");
        const st = (await status(p, "orders.csv"))!;
        assert.deepEqual([st.state, st.rowsProcessed, st.metrics], ["succeeded", 3000, { DistinctValues: counts.size }]);
    });

    it("require-column (fails): status failed with the command's exit code and stderr; the demo's failure event carries them", async () => {
        const p = await start(REQUIRE_COLUMN);
        await p.upload("uploads/orders.csv", sample);
        await p.waitIdle();
        const st = (await status(p, "orders.csv"))!;
        assert.deepEqual([st.state, st.error?.class, st.error?.exitCode, st.error?.commandExitCode], ["failed", "CommandFailed:exit", 1, 2]);
        assert.deepEqual(st.error?.stderr, ["error: uploads/orders.csv has no column named customer_id (its columns: order_id,amount,paid,ordered_at,region,note)"]);
        const failed = events.find((e) => e.type === "failed");
        assert.ok(failed?.type === "failed");
        assert.deepEqual([failed.exitCode, failed.errorClass], [1, "CommandFailed:exit"]);
        assert.match(failed.message, /^the command exited 2: error: uploads\/orders\.csv has no column named customer_id/);
        const out = logs.find((l) => l.entry.msg === "command stdout");
        assert.deepEqual([out?.key, out?.entry.line], ["uploads/orders.csv", "checking uploads/orders.csv for a column named customer_id"]);
    });

    it("ignores-sigterm: killed when its grace period ends after SIGTERM; status interrupted, class Interrupted:killed", async () => {
        const p = await start(IGNORES_SIGTERM, { WORK_SECONDS: "60", COMMAND_GRACE_MS: "500" });
        await p.upload("uploads/orders.csv", sample);
        await until(() => logs.some((l) => l.entry.line === "started; SIGTERM is ignored"), "the job to start", 60000);
        await p.runner.stop();
        const st = (await status(p, "orders.csv"))!;
        assert.deepEqual([st.state, st.error?.class, st.error?.exitCode], ["interrupted", "Interrupted:killed", 143]);
        assert.ok(events.some((e) => e.type === "interrupted" && e.key === "uploads/orders.csv"));
    });
});

describe("npm run conformance, against the examples", function () {
    this.timeout(300000);
    let dir: string;
    let sampleFile: string;

    before(async () => {
        if (resolveProgram("python3", process.env.PATH) === undefined) {
            throw new Error("python3 is not on PATH: the conformance tests run the Python examples; install Python 3");
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-test-"));
        sampleFile = path.join(dir, "orders.csv");
        // Large enough that each good example is still running when SIGTERM comes at its start.
        fs.writeFileSync(sampleFile, await text(sampleCsv(100000)));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const check = (command: string[], more: Partial<Parameters<typeof runConformance>[0]> = {}): Promise<ConformanceReport> =>
        runConformance({ command, sample: sampleFile, cwd: dir, sigtermAfterMs: 0, ...more });
    const results = (r: ConformanceReport) => Object.fromEntries(r.findings.map((f) => [f.check, f.result]));

    for (const [name, command] of [["group-totals", GROUP_TOTALS], ["count-values", COUNT_VALUES]] as const) {
        it(`${name} conforms: succeeds, writes only its outputs, is skipped as a duplicate, stops on SIGTERM`, async () => {
            const r = await check([...command]);
            assert.deepEqual(r.violations, [], formatReport({ command: [...command], sample: sampleFile }, r));
            assert.deepEqual(results(r), { sample: "pass", writes: "pass", duplicate: "pass", sigterm: "pass" });
            assert.equal(r.statuses.sigterm?.state, "interrupted");
            assert.equal(r.statuses.duplicate?.completedAt, r.statuses.sample?.completedAt);
        });
    }

    it("reports ignores-sigterm: still running at the end of its grace period", async () => {
        // SIGTERM at its first line of output, which it prints once it ignores SIGTERM.
        const r = await check(IGNORES_SIGTERM, { environment: { WORK_SECONDS: "2" }, graceMs: 500, sigtermAfterMs: 60000 });
        assert.deepEqual(results(r), { sample: "pass", writes: "pass", duplicate: "pass", sigterm: "fail" });
        assert.deepEqual(r.violations.map((v) => v.detail), ["ignores SIGTERM: still running when the 500 ms grace period ended, so it was killed (SIGKILL); a task's SIGKILL would come next"]);
        assert.match(formatReport({ command: IGNORES_SIGTERM, sample: sampleFile }, r), /^✘ {2}sigterm: ignores SIGTERM/m);
    });

    it("reports require-column: it fails on the sample", async () => {
        const r = await check(REQUIRE_COLUMN);
        assert.deepEqual([results(r).sample, results(r).writes, results(r).duplicate], ["fail", "pass", "skip"]);
        // It fails within milliseconds: SIGTERM may find it running (and it stops) or already failed (nothing to check).
        assert.deepEqual(r.violations.map((v) => v.check), ["sample"]);
        assert.match(r.violations[0].detail, /^fails on the sample \(CommandFailed:exit, processor exit 1\): the command exited 2: error: /);
    });

    it("reports writing outside OUTPUT_DIR (the working directory, HOME) and exiting 0 with no output", async () => {
        const stray = await check(["sh", "-c", 'echo x > stray.txt; mkdir -p "$HOME/.cache" && echo 1 > "$HOME/.cache/c"; echo ok > "$OUTPUT_DIR/ok.txt"']);
        assert.equal(results(stray).writes, "fail");
        const detail = stray.violations.find((v) => v.check === "writes")!.detail;
        assert.match(detail, new RegExp(`created ${path.join(dir, "stray.txt").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(the working directory; read-only in a task\\)`));
        assert.match(detail, /\.cache\/c \(HOME; read-only in a task\)/);
        fs.rmSync(path.join(dir, "stray.txt"));
        const nothing = await check(["sh", "-c", "true"]);
        assert.deepEqual(nothing.violations.map((v) => v.detail), ["exits 0 without writing anything to OUTPUT_DIR (the command exited 0 but wrote nothing to OUTPUT_DIR; write at least one file (an empty result is an empty file))"]);
    });

    it("parses its options from where it was started, and refuses what it cannot run", () => {
        const saved = process.env.INIT_CWD;
        process.env.INIT_CWD = dir;
        try {
            const o = parseConformanceArgs(["--command", "sh -c 'true'", "--sample", "orders.csv", "--env", "A=1", "--grace-ms", "1500"]);
            assert.ok(o !== "help");
            assert.deepEqual([o.command, o.sample, o.cwd, o.environment, o.graceMs, o.sigtermAfterMs], [["sh", "-c", "true"], sampleFile, dir, { A: "1" }, 1500, 250]);
            assert.throws(() => parseConformanceArgs(["--sample", "orders.csv"]), { message: '--command is required; e.g. --command "python3 examples/group-totals/main.py" --sample data.csv' });
            assert.throws(() => parseConformanceArgs(["--command", "sh", "--sample", "nope.csv"]), { message: "--sample: nope.csv is not a file" });
            assert.throws(() => parseConformanceArgs(["--command", "no-such-program-xyz", "--sample", "orders.csv"]), { message: /^--command: "no-such-program-xyz" is not on PATH \(/ });
            assert.throws(() => parseConformanceArgs(["--command", "sh", "--sample", "orders.csv", "--grace-ms", "0"]), { message: '--grace-ms: "0" is not a whole number from 100 to 114000' });
        } finally {
            if (saved === undefined) {
                delete process.env.INIT_CWD;
            } else {
                process.env.INIT_CWD = saved;
            }
        }
    });

    it("refuses a sample the upload rule would ignore", async () => {
        const txt = path.join(dir, "notes.txt");
        fs.writeFileSync(txt, "x\n");
        await assert.rejects(runConformance({ command: ["sh", "-c", "true"], sample: txt, cwd: dir }), { message: "--sample: notes.txt does not end with one of .csv, .csv.gz, .tsv, .jsonl, .parquet, so the upload rule of stack dev would ignore it; rename it" });
    });
});

describe("npm run demo -- --command", function () {
    this.timeout(180000);

    it("runs your command for each file inside the processor runtime, prints its outputs, exits 0", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-command-"));
        try {
            const file = path.join(dir, "orders.csv");
            fs.writeFileSync(file, await text(sampleCsv(500)));
            const { code, out } = await runDemo(["--once", "--no-samples", "--concurrency", "1", "--command", `sh ${example("count-values/count.sh")}`, "--env", "COLUMN=paid", file]);
            assert.equal(code, 0, out);
            assert.match(out, /^Job {14}your command, run by the processor runtime for each file: "sh" ".*count\.sh"$/m);
            assert.match(out, /✔ {2}uploads\/orders\.csv: 500 rows in \d+\.\d s\n {3}output {2}s3:\/\/demo-uploads\/processed\/orders\.csv\/counts\.txt\n {3}status {2}s3:\/\/demo-uploads\/status\/orders\.csv\.json/);
            assert.match(out, /Totals: 1 succeeded, 0 failed, 0 ignored/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a malformed --command or --env with the usage exit code", async () => {
        const quote = await runDemo(["--once", "--no-samples", "--command", "sh 'open"]);
        assert.equal(quote.code, 2);
        assert.match(quote.out, /usage: --command: the single quote at character 4 is not closed: sh 'open/);
        const env = await runDemo(["--once", "--no-samples", "--command", "sh x", "--env", "=1"]);
        assert.equal(env.code, 2);
        assert.match(env.out, /usage: --env: "=1" is not NAME=VALUE/);
    });
});
