/**
 * A user's command as the processor's job: the contract (environment in, files out, exit codes,
 * status fields, signals, secrets) against a real S3-compatible server on loopback — in process
 * through processFile for most behaviour, and as the container runs it (main.ts with the command as
 * its arguments) for the entry point, metrics, batch mode and SIGTERM from outside.
 */
import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandSpec, classifyCommandExit, commandJob, resolveProgram } from "../app/src/processor/command";
import { readConfig } from "../app/src/processor/config";
import { ExitCode } from "../app/src/processor/exit-codes";
import { createLogger } from "../app/src/processor/log";
import { MAX_JOB_METRICS, contentType, parseStatusFile } from "../app/src/processor/outputs";
import { createRedactor } from "../app/src/processor/redact";
import { RunResult, processFile } from "../app/src/processor/run";
import { StatusDocument } from "../app/src/processor/status";
import { inputFileName } from "../app/src/processor/workspace";
import { parseEnvAssignments, splitCommand } from "../app/src/local/command-line";
import { LocalS3, readStatus, startS3 } from "./support/s3";
import { startProcessor, until } from "./support/processor";

const BUCKET = "jobs";

describe("the job contract: pure parts", () => {
    it("classifies a command's exit: 65, 66, 75, 77 keep the processor's meanings, anything else is CommandFailed (exit 1)", () => {
        assert.deepEqual(classifyCommandExit(65, null), { exitCode: ExitCode.INPUT, errorClass: "CommandFailed:input" });
        assert.deepEqual(classifyCommandExit(66, null), { exitCode: ExitCode.NOT_FOUND, errorClass: "CommandFailed:not-found" });
        assert.deepEqual(classifyCommandExit(75, null), { exitCode: ExitCode.TRANSIENT, errorClass: "CommandFailed:transient" });
        assert.deepEqual(classifyCommandExit(77, null), { exitCode: ExitCode.ACCESS_DENIED, errorClass: "CommandFailed:access-denied" });
        for (const code of [1, 2, 3, 64, 70, 126, 127, 143]) {
            assert.deepEqual(classifyCommandExit(code, null), { exitCode: ExitCode.COMMAND_FAILED, errorClass: "CommandFailed:exit" }, String(code));
        }
        assert.deepEqual(classifyCommandExit(null, "SIGSEGV"), { exitCode: ExitCode.COMMAND_FAILED, errorClass: "CommandFailed:signal" });
    });

    it("validates .status.json: known fields only, whole counts, short message, at most 20 finite metrics with free names", () => {
        assert.deepEqual(parseStatusFile('{"rowsProcessed": 3, "badRows": 0, "message": "ok", "metrics": {"Groups": 2, "mean.latency_ms": 1.5}}'), {
            rowsProcessed: 3,
            badRows: 0,
            message: "ok",
            metrics: { Groups: 2, "mean.latency_ms": 1.5 },
        });
        assert.deepEqual(parseStatusFile("{}"), {});
        const bad = (text: string, message: string) =>
            assert.throws(() => parseStatusFile(text), (e: Error & { errorClass?: string }) => e.errorClass === "CommandFailed:status-file" && e.message === `OUTPUT_DIR/.status.json: ${message}`, message);
        bad("{rows", "not valid JSON (Expected property name or '}' in JSON at position 1)");
        bad("[1]", "is not a JSON object");
        bad('{"rowsProcessed": -1}', "rowsProcessed is -1; give a whole number of at least 0");
        bad('{"badRows": 1.5}', "badRows is 1.5; give a whole number of at least 0");
        bad(`{"message": "${"x".repeat(1001)}"}`, "message is not text of at most 1000 characters");
        bad('{"rows": 1}', 'unknown field "rows"; the fields are rowsProcessed, badRows, message, metrics');
        bad('{"metrics": {"RowsProcessed": 1}}', 'metric name "RowsProcessed" is not allowed; use 1–64 letters, digits, _ . - starting with a letter, other than FilesProcessed, RowsProcessed, BytesRead, BadRows, DurationMs, OutputFiles, OutputBytes, Service, Outcome, bucket, key, taskArn, mode');
        bad('{"metrics": {"key": 1}}', 'metric name "key" is not allowed; use 1–64 letters, digits, _ . - starting with a letter, other than FilesProcessed, RowsProcessed, BytesRead, BadRows, DurationMs, OutputFiles, OutputBytes, Service, Outcome, bucket, key, taskArn, mode');
        bad('{"metrics": {"a b": 1}}', 'metric name "a b" is not allowed; use 1–64 letters, digits, _ . - starting with a letter, other than FilesProcessed, RowsProcessed, BytesRead, BadRows, DurationMs, OutputFiles, OutputBytes, Service, Outcome, bucket, key, taskArn, mode');
        bad('{"metrics": {"x": "1"}}', 'metrics.x is "1"; give a finite number');
        const many = Object.fromEntries(Array.from({ length: MAX_JOB_METRICS + 1 }, (_, i) => [`m${i}`, i]));
        bad(JSON.stringify({ metrics: many }), `metrics has ${MAX_JOB_METRICS + 1} names; at most ${MAX_JOB_METRICS}`);
    });

    it("redacts secrets: values of secret-named variables, AWS key IDs and secret-shaped keys, URL credentials, bearer tokens", () => {
        const redact = createRedactor({ API_TOKEN: "tok-123456", DB_PASSWORD: "hunter2hunter2", GREETING: "hello world", SHORT_SECRET: "abc", PATH: "/usr/bin" });
        assert.equal(redact("token tok-123456 and hunter2hunter2"), "token [redacted:API_TOKEN] and [redacted:DB_PASSWORD]");
        assert.equal(redact("hello world, abc"), "hello world, abc", "only secret-named variables, and not 3-character values");
        assert.equal(redact("key AKIAIOSFODNN7EXAMPLE used"), "key [redacted:aws-access-key-id] used");
        assert.equal(redact("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!"), "secret [redacted:aws-secret-key]!");
        assert.equal(redact("sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 stays"), "sha1 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12 stays");
        assert.equal(redact("GET https://alice:s3cr3t@example.com/x"), "GET https://[redacted]@example.com/x");
        assert.equal(redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30"), "Authorization: Bearer [redacted]");
    });

    it("names the downloaded input safely, keeping the key's extension", () => {
        assert.equal(inputFileName("uploads/2026/day.csv"), "input.csv");
        assert.equal(inputFileName("uploads/day.csv.gz"), "input.csv.gz");
        assert.equal(inputFileName("uploads/../../etc/passwd"), "input");
        assert.equal(inputFileName("uploads/noext"), "input");
        assert.equal(inputFileName("uploads/we ird\u202e.txt"), "input.txt");
    });

    it("finds a program on PATH or by path, and not otherwise", () => {
        assert.ok(resolveProgram("sh", process.env.PATH)?.endsWith("/sh"));
        assert.equal(resolveProgram("no-such-program-xyz", process.env.PATH), undefined);
        assert.equal(resolveProgram("./examples/count-values/count.sh", "", path.resolve(__dirname, "..")), path.resolve(__dirname, "../examples/count-values/count.sh"));
        assert.equal(resolveProgram("./examples/group-totals/README.md", "", path.resolve(__dirname, "..")), undefined, "not executable");
    });

    it("splits --command as a shell would (quotes, backslashes), expands nothing, and parses --env", () => {
        assert.deepEqual(splitCommand("python3 examples/group-totals/main.py"), ["python3", "examples/group-totals/main.py"]);
        assert.deepEqual(splitCommand(`sh -c 'sort | uniq -c > "$OUTPUT_DIR/x"'`), ["sh", "-c", 'sort | uniq -c > "$OUTPUT_DIR/x"']);
        assert.deepEqual(splitCommand(`echo "a \\"b\\" $HOME" c\\ d ''`), ["echo", 'a "b" $HOME', "c d", ""]);
        assert.throws(() => splitCommand("echo 'open"), /--command: the single quote at character 6 is not closed/);
        assert.throws(() => splitCommand('echo "open'), /--command: a double quote is not closed/);
        assert.throws(() => splitCommand("   "), /--command: no program given/);
        assert.deepEqual(parseEnvAssignments(["A=1", "B=x=y", "C="]), { A: "1", B: "x=y", C: "" });
        assert.throws(() => parseEnvAssignments(["1A=x"]), /--env: "1A=x" is not NAME=VALUE/);
        assert.throws(() => parseEnvAssignments(["NOVALUE"]), /--env: "NOVALUE" is not NAME=VALUE/);
    });

    it("gives outputs a content type by extension", () => {
        assert.deepEqual(["a.csv", "b.JSON", "c.jsonl", "d.bin", "e"].map(contentType), ["text/csv", "application/json", "application/x-ndjson", "application/octet-stream", "application/octet-stream"]);
    });
});

describe("the job contract against a local S3 server", function () {
    this.timeout(90000);
    let s3: LocalS3;
    let scratch: string;
    let lines: Record<string, any>[];

    before(async () => {
        s3 = await startS3();
        await s3.createBucket(BUCKET);
    });
    after(async () => {
        await s3.close();
    });
    beforeEach(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "job-scratch-"));
        lines = [];
    });
    afterEach(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });
    const sh = (script: string) => ["sh", "-c", script];

    describe("a command run by the processor for one file", () => {

        const config = (key: string, extra: Record<string, string> = {}) => readConfig({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, S3_KEY: key, SCRATCH_DIR: scratch, ...extra });
        const log = () => createLogger({ key: "k" }, (l) => lines.push(JSON.parse(l)));
        const spec = (argv: string[], more: Partial<CommandSpec> = {}): CommandSpec => ({ argv, stdin: false, graceMs: 2000, env: { PATH: process.env.PATH }, ...more });
        const run = (key: string, argv: string[], more: Partial<CommandSpec> = {}, signal = new AbortController().signal): Promise<RunResult> =>
            processFile(config(key), { key }, { s3: s3.client, log: log(), signal, job: commandJob(spec(argv, more)) });
        const status = (relative: string): Promise<StatusDocument> => readStatus(s3, BUCKET, relative);
        const keysUnder = async (prefix: string) => ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
        const alive = (pid: number) => {
            try {
                process.kill(pid, 0);
                return true;
            } catch {
                return false;
            }
        };

        it("gives the command exactly the documented environment, uploads OUTPUT_DIR under the input's name, and lists the outputs in the succeeded status", async () => {
            const csv = "id,region\n1,north\n2,south\n";
            await s3.put(BUCKET, "uploads/2026/day.csv", csv);
            const script = [
                'env | grep -E "^(INPUT_|OUTPUT_DIR|WORK_DIR|TMPDIR|S3_BUCKET|S3_KEY|S3_OBJECT_)" | sort > "$OUTPUT_DIR/env.txt"',
                'mkdir -p "$OUTPUT_DIR/nested" && cp "$INPUT_FILE" "$OUTPUT_DIR/nested/copy.csv"',
                'echo scratch > "$WORK_DIR/tmp.txt"',
                'pwd > "$OUTPUT_DIR/cwd.txt"',
                'echo \'{"rowsProcessed": 2, "badRows": 0, "message": "2 regions", "metrics": {"Regions": 2}}\' > "$OUTPUT_DIR/.status.json"',
                'echo "done with $INPUT_KEY"',
            ].join("\n");
            const r = await run("uploads/2026/day.csv", sh(script));
            assert.equal(r.outcome, "succeeded", JSON.stringify(r.status?.error));
            assert.equal(r.exitCode, ExitCode.OK);
            const env = Object.fromEntries((await s3.get(BUCKET, "processed/2026/day.csv/env.txt"))!.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
            const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "uploads/2026/day.csv" }));
            const etag = head.ETag!.replace(/"/g, "");
            assert.deepEqual(
                Object.keys(env).sort(),
                ["INPUT_BUCKET", "INPUT_ETAG", "INPUT_FILE", "INPUT_KEY", "INPUT_SIZE", "OUTPUT_DIR", "S3_BUCKET", "S3_KEY", "S3_OBJECT_ETAG", "S3_OBJECT_SIZE", "TMPDIR", "WORK_DIR"],
            );
            assert.deepEqual([env.INPUT_BUCKET, env.INPUT_KEY, env.INPUT_ETAG, env.INPUT_SIZE, env.S3_BUCKET, env.S3_KEY], [BUCKET, "uploads/2026/day.csv", etag, String(csv.length), BUCKET, "uploads/2026/day.csv"]);
            assert.equal(env.TMPDIR, env.WORK_DIR);
            for (const dir of [env.OUTPUT_DIR, env.WORK_DIR, env.INPUT_FILE]) {
                assert.ok(dir.startsWith(`${scratch}/`), `${dir} is in the scratch folder`);
            }
            assert.equal(path.basename(env.INPUT_FILE), "input.csv");
            assert.equal(await s3.get(BUCKET, "processed/2026/day.csv/nested/copy.csv"), csv, "INPUT_FILE holds the object");
            assert.equal((await s3.get(BUCKET, "processed/2026/day.csv/cwd.txt"))!.trim(), process.cwd(), "the command runs in the runtime's working directory");
            assert.deepEqual(await keysUnder("processed/"), ["processed/2026/day.csv/cwd.txt", "processed/2026/day.csv/env.txt", "processed/2026/day.csv/nested/copy.csv"], ".status.json is read, not uploaded");

            const st = await status("2026/day.csv");
            assert.deepEqual([st.state, st.job, st.rowsProcessed, st.badRows, st.bytesRead, st.message, st.metrics, st.outputKey], ["succeeded", "command", 2, 0, csv.length, "2 regions", { Regions: 2 }, undefined]);
            assert.deepEqual(st.outputs!.map((o) => o.key), ["processed/2026/day.csv/cwd.txt", "processed/2026/day.csv/env.txt", "processed/2026/day.csv/nested/copy.csv"]);
            for (const o of st.outputs!) {
                const h = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: o.key }));
                assert.deepEqual([o.size, o.etag], [h.ContentLength, h.ETag!.replace(/"/g, "")], o.key);
            }
            const copy = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "processed/2026/day.csv/nested/copy.csv" }));
            assert.equal(copy.ContentType, "text/csv");
            // stdout became a structured log line tagged with the file.
            const out = lines.find((l) => l.msg === "command stdout");
            assert.deepEqual([out?.stream, out?.line, out?.key], ["stdout", "done with uploads/2026/day.csv", "k"]);
            assert.deepEqual(fs.readdirSync(scratch), [], "the file's workspace is removed");
        });

        it("sends the file to stdin with COMMAND_STDIN, and uploads a large output by multipart", async () => {
            const body = Buffer.alloc(3 * 1024 * 1024 + 17, "abc\n");
            await s3.put(BUCKET, "uploads/stdin.csv", body);
            const calls: string[] = [];
            s3.client.middlewareStack.add((next, context) => (args) => {
                calls.push(String(context.commandName));
                return next(args);
            }, { step: "initialize", name: "recordCalls" });
            try {
                const r = await run("uploads/stdin.csv", sh('wc -c > "$OUTPUT_DIR/bytes.txt"; head -c 12582912 /dev/zero > "$OUTPUT_DIR/big.bin"'), { stdin: true });
                assert.equal(r.outcome, "succeeded", JSON.stringify(r.status?.error));
            } finally {
                s3.client.middlewareStack.remove("recordCalls");
            }
            assert.equal(Number((await s3.get(BUCKET, "processed/stdin.csv/bytes.txt"))!.trim()), body.length);
            const big = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "processed/stdin.csv/big.bin" }));
            assert.equal(big.ContentLength, 12582912);
            // 12 MiB in 5 MiB parts: one multipart upload of three parts; the small output is one PUT.
            assert.deepEqual(
                calls.filter((c) => /Multipart|UploadPart/.test(c)),
                ["CreateMultipartUploadCommand", "UploadPartCommand", "UploadPartCommand", "UploadPartCommand", "CompleteMultipartUploadCommand"],
            );
            // The status is written last, after every output.
            assert.equal(calls[calls.length - 1], "PutObjectCommand");
        });

        it("records a failure with the exit code, the last 20 stderr lines and no secrets, and uploads nothing", async () => {
            await s3.put(BUCKET, "uploads/fail.csv", "a\n1\n");
            const secret = "s3cr3t-value-123";
            const script = [
                'echo "connecting with $API_TOKEN"',
                'echo "key AKIAIOSFODNN7EXAMPLE" >&2',
                'for i in $(seq 1 30); do echo "problem $i" >&2; done',
                'echo "x" > "$OUTPUT_DIR/partial.txt"',
                'echo "token=$API_TOKEN was refused" >&2',
                "exit 3",
            ].join("\n");
            const r = await run("uploads/fail.csv", sh(script), { env: { PATH: process.env.PATH, API_TOKEN: secret } });
            assert.deepEqual([r.outcome, r.exitCode], ["failed", ExitCode.COMMAND_FAILED]);
            const st = await status("fail.csv");
            assert.equal(st.state, "failed");
            assert.deepEqual([st.error?.class, st.error?.exitCode, st.error?.commandExitCode], ["CommandFailed:exit", 1, 3]);
            assert.equal(st.error?.message, "the command exited 3: token=[redacted:API_TOKEN] was refused");
            assert.equal(st.error?.stderr?.length, 20);
            assert.deepEqual(st.error?.stderr?.slice(-2), ["problem 30", "token=[redacted:API_TOKEN] was refused"]);
            const everything = JSON.stringify(st) + JSON.stringify(lines);
            assert.ok(!everything.includes(secret), "the secret is in neither the status nor the logs");
            assert.ok(!everything.includes("AKIAIOSFODNN7EXAMPLE"));
            assert.ok(lines.some((l) => l.msg === "command stderr" && l.line === "key [redacted:aws-access-key-id]"));
            assert.deepEqual(await keysUnder("processed/fail.csv"), [], "a failed command's outputs are not uploaded");
            assert.deepEqual(fs.readdirSync(scratch), []);
        });

        it("keeps the meaning of exit 65 (bad input) and 75 (temporary), and names a signal that killed the command", async () => {
            await s3.put(BUCKET, "uploads/codes.csv", "a\n");
            const input = await run("uploads/codes.csv", sh("echo 'no header' >&2; exit 65"));
            assert.deepEqual([input.exitCode, input.status?.error?.class, input.status?.error?.commandExitCode], [ExitCode.INPUT, "CommandFailed:input", 65]);
            const transient = await run("uploads/codes.csv", sh("exit 75"));
            assert.deepEqual([transient.exitCode, transient.status?.error?.class, transient.status?.error?.message], [ExitCode.TRANSIENT, "CommandFailed:transient", "the command exited 75 (nothing on stderr)"]);
            const killed = await run("uploads/codes.csv", sh("kill -SEGV $$"));
            assert.deepEqual([killed.exitCode, killed.status?.error?.class, killed.status?.error?.commandSignal], [ExitCode.COMMAND_FAILED, "CommandFailed:signal", "SIGSEGV"]);
        });

        it("fails what the contract forbids: exit 0 with no output, an invalid .status.json, a symbolic link, a changed INPUT_FILE", async () => {
            await s3.put(BUCKET, "uploads/rules.csv", "a\n1\n");
            const cases: [string, string, string][] = [
                ["true", "CommandFailed:no-output", "the command exited 0 but wrote nothing to OUTPUT_DIR; write at least one file (an empty result is an empty file)"],
                ['echo x > "$OUTPUT_DIR/a"; echo "{" > "$OUTPUT_DIR/.status.json"', "CommandFailed:status-file", "OUTPUT_DIR/.status.json: not valid JSON"],
                ['ln -s /etc/passwd "$OUTPUT_DIR/passwd"', "CommandFailed:output-not-a-file", "OUTPUT_DIR/passwd is a symbolic link; outputs must be regular files"],
                ['echo more >> "$INPUT_FILE" 2>/dev/null || { chmod u+w "$INPUT_FILE" "$(dirname "$INPUT_FILE")" && echo more >> "$INPUT_FILE"; }; echo x > "$OUTPUT_DIR/a"', "CommandFailed:input-modified", "the command changed or removed INPUT_FILE; read the input, write only to OUTPUT_DIR and WORK_DIR"],
            ];
            for (const [script, errorClass, message] of cases) {
                const r = await run("uploads/rules.csv", sh(script));
                assert.deepEqual([r.outcome, r.exitCode, r.status?.error?.class], ["failed", ExitCode.COMMAND_FAILED, errorClass], script);
                assert.ok(r.status!.error!.message.startsWith(message), r.status!.error!.message);
                assert.deepEqual(await keysUnder("processed/rules.csv"), [], `${script}: nothing uploaded`);
            }
            assert.deepEqual(fs.readdirSync(scratch), [], "workspaces are removed, read-only input folders included");
        });

        it("makes the input read-only for the command", async () => {
            await s3.put(BUCKET, "uploads/ro.csv", "a\n1\n");
            const r = await run("uploads/ro.csv", sh('stat -c %a "$INPUT_FILE" "$(dirname "$INPUT_FILE")" > "$OUTPUT_DIR/modes.txt"'));
            assert.equal(r.outcome, "succeeded");
            assert.deepEqual((await s3.get(BUCKET, "processed/ro.csv/modes.txt"))!.trim().split("\n"), ["444", "555"]);
        });

        it("skips a duplicate event (same ETag already succeeded) without starting the command, and finds a URL-encoded key", async () => {
            await s3.put(BUCKET, "uploads/a b.csv", "x\n1\n");
            const first = await run("uploads/a+b.csv", sh('echo "$INPUT_KEY" > "$OUTPUT_DIR/key.txt"'));
            assert.equal(first.outcome, "succeeded");
            assert.equal((await s3.get(BUCKET, "processed/a b.csv/key.txt"))!.trim(), "uploads/a b.csv");
            lines = [];
            const second = await run("uploads/a+b.csv", sh('echo again > "$OUTPUT_DIR/key.txt"'));
            assert.deepEqual([second.outcome, second.exitCode], ["skipped", ExitCode.OK]);
            assert.ok(!lines.some((l) => l.msg === "command started"), "the command did not run");
            assert.equal((await s3.get(BUCKET, "processed/a b.csv/key.txt"))!.trim(), "uploads/a b.csv");
        });

        it("on SIGTERM sends SIGTERM to the command's process group and records interrupted when it exits", async () => {
            await s3.put(BUCKET, "uploads/term.csv", "a\n1\n");
            const controller = new AbortController();
            const running = run("uploads/term.csv", sh('trap "echo stopping >&2; exit 143" TERM; echo ready; while :; do sleep 0.05; done'), { graceMs: 20000 }, controller.signal);
            await until(() => lines.some((l) => l.line === "ready"), "the command to start");
            controller.abort();
            const r = await running;
            assert.deepEqual([r.outcome, r.exitCode, r.status?.error?.class], ["interrupted", ExitCode.INTERRUPTED, "Interrupted"]);
            assert.match(r.status!.error!.message, /^stopped by SIGTERM; the command exited 143 \d+ ms after it$/);
            assert.ok(lines.some((l) => l.line === "stopping"), "the command saw SIGTERM");
            assert.deepEqual(await keysUnder("processed/term.csv"), []);
        });

        it("kills a command that ignores SIGTERM, and what it started, after its grace period: interrupted, class Interrupted:killed", async () => {
            await s3.put(BUCKET, "uploads/stubborn.csv", "a\n1\n");
            const pidFile = path.join(scratch, "..", `${path.basename(scratch)}.pid`);
            const controller = new AbortController();
            const running = run("uploads/stubborn.csv", sh(`trap "" TERM; sleep 60 & echo $! > ${pidFile}; echo ready; wait`), { graceMs: 300 }, controller.signal);
            try {
                await until(() => lines.some((l) => l.line === "ready"), "the command to start");
                const child = Number(fs.readFileSync(pidFile, "utf8"));
                assert.ok(alive(child));
                controller.abort();
                const r = await running;
                assert.deepEqual([r.outcome, r.exitCode, r.status?.error?.class], ["interrupted", ExitCode.INTERRUPTED, "Interrupted:killed"]);
                assert.equal(r.status?.error?.message, "stopped by SIGTERM; the command ignored it for its 300 ms grace period and was killed (SIGKILL)");
                assert.ok(lines.some((l) => l.level === "error" && /did not stop within its grace period/.test(l.msg)));
                await until(() => !alive(child), "the command's own child to be gone", 5000);
            } finally {
                fs.rmSync(pidFile, { force: true });
            }
        });

        it("ends what a successful command left running in the background", async () => {
            await s3.put(BUCKET, "uploads/bg.csv", "a\n1\n");
            const pidFile = path.join(scratch, "..", `${path.basename(scratch)}.bg.pid`);
            try {
                const r = await run("uploads/bg.csv", sh(`sleep 60 & echo $! > ${pidFile}; echo x > "$OUTPUT_DIR/a"`));
                assert.equal(r.outcome, "succeeded");
                const pid = Number(fs.readFileSync(pidFile, "utf8"));
                await until(() => !alive(pid), "the background process to be gone", 5000);
            } finally {
                fs.rmSync(pidFile, { force: true });
            }
        });
    });

    describe("the container's entry point with a command", () => {
        const env = (extra: Record<string, string>) => ({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, SCRATCH_DIR: scratch, ...extra });

        it("runs the arguments as the job: outputs, status, log lines with bucket and key, and EMF metrics with the job's own", async () => {
            await s3.put(BUCKET, "uploads/main.csv", "a\n1\n2\n");
            const r = await startProcessor(env({ S3_KEY: "uploads/main.csv" }), sh('wc -l < "$INPUT_FILE" > "$OUTPUT_DIR/lines.txt"; echo \'{"rowsProcessed": 2, "metrics": {"Lines": 3}}\' > "$OUTPUT_DIR/.status.json"; echo hello')).done;
            assert.equal(r.code, ExitCode.OK, r.stderr);
            assert.equal((await s3.get(BUCKET, "processed/main.csv/lines.txt"))!.trim(), "3");
            const hello = r.logs.find((l) => l.msg === "command stdout");
            assert.deepEqual([hello?.line, hello?.bucket, hello?.key], ["hello", BUCKET, "uploads/main.csv"]);
            const emf = r.logs.find((l) => l._aws?.CloudWatchMetrics);
            assert.ok(emf, "an EMF document");
            const names = emf._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name);
            for (const n of ["FilesProcessed", "RowsProcessed", "OutputFiles", "OutputBytes", "Lines"]) {
                assert.ok(names.includes(n), n);
            }
            assert.deepEqual([emf.Lines, emf.RowsProcessed, emf.OutputFiles], [3, 2, 1]);
        });

        it(`refuses a command whose program is not there with exit ${ExitCode.CONFIG}, before any file`, async () => {
            await s3.put(BUCKET, "uploads/none.csv", "a\n");
            const r = await startProcessor(env({ S3_KEY: "uploads/none.csv" }), ["no-such-program-xyz", "x"]).done;
            assert.equal(r.code, ExitCode.CONFIG);
            const line = r.logs.find((l) => l.msg === "invalid settings");
            assert.match(line?.error, /^the command's program "no-such-program-xyz" is not on PATH/);
            assert.equal(await s3.get(BUCKET, "status/none.csv.json"), undefined, "no file was started");
        });

        it(`forwards SIGTERM from outside to the command and exits ${ExitCode.INTERRUPTED} with status interrupted`, async () => {
            await s3.put(BUCKET, "uploads/outside.csv", "a\n");
            const p = startProcessor(env({ S3_KEY: "uploads/outside.csv", SHUTDOWN_GRACE_MS: "10000" }), sh('trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done'));
            await until(() => p.logs.some((l) => l.line === "ready"), "the command to start");
            p.child.kill("SIGTERM");
            const r = await p.done;
            assert.equal(r.code, ExitCode.INTERRUPTED);
            const st = JSON.parse((await s3.get(BUCKET, "status/outside.csv.json"))!);
            assert.deepEqual([st.state, st.error.class], ["interrupted", "Interrupted"]);
        });

        it("runs the command for each file in batch mode, skipping what is already processed", async () => {
            for (const name of ["b1.csv", "b2.csv"]) {
                await s3.put(BUCKET, `uploads/batch/${name}`, `${name}\n`);
            }
            const script = sh('cp "$INPUT_FILE" "$OUTPUT_DIR/copy"');
            const first = await startProcessor(env({ PROCESSOR_MODE: "batch", S3_UPLOAD_PREFIX: "uploads/batch/" }), script).done;
            assert.equal(first.code, ExitCode.OK, first.stderr);
            assert.equal(await s3.get(BUCKET, "processed/b1.csv/copy"), "b1.csv\n");
            assert.equal(await s3.get(BUCKET, "processed/b2.csv/copy"), "b2.csv\n");
            const second = await startProcessor(env({ PROCESSOR_MODE: "batch", S3_UPLOAD_PREFIX: "uploads/batch/" }), script).done;
            const done = second.logs.find((l) => l.msg === "batch finished");
            assert.deepEqual([done?.processed, done?.skipped], [0, 2]);
        });
    });
});
