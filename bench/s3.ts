/**
 * `npm run bench -- --s3 [options]`: the real processor end to end (event mode, a child process on the transpiled
 * sources) against the local S3 server (app/src/local/s3-server.ts), once through a loopback TCP proxy that caps
 * every connection at --cap-mbps MB/s (S3 throughput is per connection), and once uncapped. With parallel ranged
 * GETs the capped run should stay close to the uncapped one; one GetObject stream would be held to the cap.
 *
 * Options:
 *   --mb N            size of the generated CSV in MB (default 100; at least 100 for the target)
 *   --cap-mbps N      per-connection cap in MB/s (default 25)
 *   --parallelism N   SUMMARY_PARALLELISM of the processor (default: the number of cores)
 *
 * Target: capped ≤ 1.5 × uncapped on a file of at least 100 MB. Prints figures; never fails on them.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { LOCAL_CREDENTIALS, startLocalS3 } from "../app/src/local/s3-server";
import { childNodePath, transpileTree } from "./build";
import { generateFiles } from "./generate";

const ROOT = path.resolve(__dirname, "..");
const BUCKET = "bench";
const TARGET_RATIO = 1.5;
/** Bytes per generated row, roughly (to size the file). */
const ROW_BYTES = 80;

interface Options {
    mb: number;
    capMBps: number;
    parallelism: number;
}

function parse(argv: readonly string[]): Options {
    const o: Options = { mb: 100, capMBps: 25, parallelism: os.availableParallelism() };
    for (let i = 0; i < argv.length; i++) {
        const v = Number(argv[i + 1]);
        const need = (min: number): number => {
            if (!Number.isFinite(v) || v < min) throw new Error(`${argv[i]} needs a number ≥ ${min}, got ${String(argv[i + 1])}`);
            i++;
            return v;
        };
        switch (argv[i]) {
            case "--mb":
                o.mb = need(1);
                break;
            case "--cap-mbps":
                o.capMBps = need(0.1);
                break;
            case "--parallelism":
                o.parallelism = Math.floor(need(1));
                break;
            default:
                throw new Error(`unknown option ${String(argv[i])} (npm run bench -- --s3 [--mb N] [--cap-mbps N] [--parallelism N])`);
        }
    }
    return o;
}

/**
 * A loopback TCP proxy to `port` that relays what the upstream sends at most `bytesPerSec` per connection (the
 * request side is not limited).
 */
async function startCappedProxy(port: number, bytesPerSec: number): Promise<{ port: number; close(): Promise<void> }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
        const upstream = net.connect(port, "127.0.0.1");
        sockets.add(client).add(upstream);
        const started = performance.now();
        let sent = 0;
        client.pipe(upstream);
        upstream.on("data", (chunk: Buffer) => {
            upstream.pause();
            sent += chunk.length;
            // Due time of the last byte of this chunk at the cap.
            const wait = Math.max(0, (sent / bytesPerSec) * 1000 - (performance.now() - started));
            setTimeout(() => {
                if (!client.destroyed) {
                    client.write(chunk);
                }
                upstream.resume();
            }, wait);
        });
        const close = (): void => {
            client.destroy();
            upstream.destroy();
            sockets.delete(client);
            sockets.delete(upstream);
        };
        upstream.on("end", () => client.end());
        upstream.on("error", close);
        client.on("error", close);
        client.on("close", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        port: (server.address() as net.AddressInfo).port,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) s.destroy();
                server.close(() => resolve());
            }),
    };
}

function runProcessor(main: string, endpoint: string, key: string, parallelism: number): Promise<{ code: number | null; seconds: number; stderr: string }> {
    const started = performance.now();
    const child = spawn(process.execPath, [main], {
        env: {
            PATH: process.env.PATH ?? "",
            NODE_PATH: childNodePath(ROOT),
            AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
            AWS_REGION: "us-east-1",
            S3_ENDPOINT: endpoint,
            S3_BUCKET: BUCKET,
            S3_KEY: key,
            SUMMARY_PARALLELISM: String(parallelism),
            LOG_LEVEL: "warn",
        },
        stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, seconds: (performance.now() - started) / 1000, stderr })));
}

export async function runS3Bench(argv: readonly string[]): Promise<number> {
    const o = parse(argv);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "s3-bench-"));
    const s3 = await startLocalS3({ directory: path.join(tmp, "s3") });
    try {
        const log = (t: string): void => void process.stderr.write(`[bench --s3] ${t}\n`);
        const csv = path.join(tmp, "data.csv");
        const gen = await generateFiles({ rows: Math.ceil((o.mb * 1e6) / ROW_BYTES), seed: 20240601, plainPath: csv });
        const size = fs.statSync(csv).size;
        log(`generated ${(size / 1e6).toFixed(1)} MB (${gen.plain.rows} rows)`);
        await s3.createBucket(BUCKET);
        // One key per run: a second run on the same key would be skipped as a duplicate event.
        const keys = ["uploads/uncapped.csv", "uploads/capped.csv"];
        for (const key of keys) {
            await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: fs.createReadStream(csv), ContentLength: size }));
        }
        const main = transpileTree(ROOT, [path.join(ROOT, "app/src/processor/main.ts")], path.join(tmp, "build")).get(path.join(ROOT, "app/src/processor/main.ts"))!;
        const upstreamPort = Number(new URL(s3.endpoint).port);
        const proxy = await startCappedProxy(upstreamPort, o.capMBps * 1e6);
        const results: { name: string; seconds: number }[] = [];
        try {
            for (const [name, endpoint, key] of [
                ["uncapped", s3.endpoint, keys[0]],
                [`capped at ${o.capMBps} MB/s per connection`, `http://127.0.0.1:${proxy.port}`, keys[1]],
            ] as const) {
                const r = await runProcessor(main, endpoint, key, o.parallelism);
                if (r.code !== 0) {
                    log(`${name}: the processor exited ${String(r.code)}: ${r.stderr.slice(-2000)}`);
                    return 1;
                }
                const summary = JSON.parse(
                    await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `processed/${key.slice("uploads/".length)}.summary.json` }))).Body!.transformToString(),
                ) as { rows: number };
                if (summary.rows !== gen.plain.rows) {
                    log(`${name}: the summary has ${summary.rows} rows, generated ${gen.plain.rows}`);
                    return 1;
                }
                log(`${name}: ${r.seconds.toFixed(2)} s`);
                results.push({ name, seconds: r.seconds });
            }
        } finally {
            await proxy.close();
        }
        const ratio = results[1].seconds / results[0].seconds;
        const one = (size / 1e6 / o.capMBps).toFixed(1);
        process.stdout.write(
            [
                "# Processor against S3, per-connection cap",
                "",
                `\`npm run bench -- --s3 ${argv.join(" ")}\` — ${new Date().toISOString()}, ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? "CPU"}, ` +
                    `SUMMARY_PARALLELISM=${o.parallelism}; ${(size / 1e6).toFixed(1)} MB CSV, ${gen.plain.rows} rows; the whole processor run (process start to exit)`,
                "",
                "| run | seconds |",
                "|---|--:|",
                ...results.map((r) => `| ${r.name} | ${r.seconds.toFixed(2)} |`),
                "",
                `Capped ÷ uncapped: ${ratio.toFixed(2)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "PASS" : "**FAIL**"}). ` +
                    `One connection at the cap would need at least ${one} s for the bytes alone.`,
                "",
            ].join("\n"),
        );
        return 0;
    } finally {
        await s3.close();
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}
