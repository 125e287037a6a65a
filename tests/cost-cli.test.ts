/** `npm run cost`: its options, rejected inputs with their exact messages, and its report on the dev and prod stacks. */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COST_PATTERNS, CostReport } from "../tools/cost";
import { singleTaskPlacement } from "../components/builders/capacity";
import { main, parseCostArgs } from "../scripts/cost";
import { ROOT } from "./mocks";
import { hasLine, pattern, stackYaml } from "./support/cost";
import { npmScriptArgs } from "./support/ts-process";

describe("cost CLI", function () {
    this.timeout(60000);

    function run(argv: string[], root?: string): { code: number; out: string; err: string } {
        let out = "";
        let err = "";
        const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) }, root);
        return { code, out, err };
    }

    /** Each pattern's monthly total as the docs write it (2 decimals), from the CLI's --json. */
    function totals(argv: string[]): Map<string, string> {
        const r = run([...argv, "--json"]);
        assert.equal(r.code, 0, r.err);
        return new Map((JSON.parse(r.out) as CostReport).patterns.map((p) => [p.pattern, p.totalUsd.toFixed(2)]));
    }

    /** The cells of the table row in `doc` whose first cell starts with `first`. */
    function docRow(doc: string, first: string): string[] {
        const row = fs
            .readFileSync(path.join(ROOT, "docs", doc), "utf8")
            .split("\n")
            .find((l) => l.startsWith(`| ${first}`));
        assert.ok(row, `docs/${doc} has no row "${first}"`);
        return row.split("|").slice(2, -1).map((c) => c.trim());
    }

    it("gives the figures the docs' cost tables show (docs/patterns.md, docs/sharding.md)", () => {
        const workload = ["--files-per-month", "10000", "--file-size-mb", "100"];
        const [dev, prod] = [totals(["--stack", "dev", ...workload]), totals(["--stack", "prod", ...workload])];
        const rows: [string, string][] = [
            ["UploadTrigger", "UploadTrigger"],
            ["LambdaTrigger", "LambdaTrigger"],
            ["QueueWorkerService (", "QueueWorkerService"],
            ["ScheduledTask (", "ScheduledTask"],
            ["KubernetesJobs (", "KubernetesJobs"],
        ];
        for (const [first, p] of rows) {
            assert.deepEqual(docRow("patterns.md", first), [dev.get(p), prod.get(p)], `docs/patterns.md ${p}`);
        }
        const large = ["--stack", "prod", "--files-per-month", "100", "--file-size-mb", "100000", "--s3-read-mbps", "90"];
        const shards = totals([...large, "--shard-above-mb", "10000", "--shard-mb", "10000"]);
        assert.deepEqual(docRow("sharding.md", "UploadTrigger USD / month"), [totals(large).get("UploadTrigger"), shards.get("UploadTrigger")], "docs/sharding.md");
    });

    for (const name of ["dev", "prod"]) {
        it(`prints a table for every pattern for Pulumi.${name}.yaml`, () => {
            const r = run(["--stack", name, "--files-per-month", "10000", "--file-size-mb", "100"]);
            assert.equal(r.code, 0, r.err);
            assert.match(r.out, new RegExp(`^## Monthly cost by pattern — stack ${name} \\(Pulumi\\.${name}\\.yaml\\)`));
            assert.match(r.out, /Stack: eu-west-1, /);
            for (const p of COST_PATTERNS) {
                assert.match(r.out, new RegExp(`^### ${p} — `, "m"), p);
            }
            assert.equal(r.out.match(/^\| \*\*Total\*\* /gm)?.length, 5);
        });
    }

    it("reflects each stack's task size, storage and Spot share", () => {
        for (const name of ["dev", "prod"]) {
            const raw = stackYaml(name);
            const key = (k: string) => raw[`s3-fargate-pipeline:${k}`] as number | undefined;
            const report = JSON.parse(run(["--stack", name, "--files-per-month", "10000", "--file-size-mb", "100", "--json"]).out) as CostReport;
            assert.equal(report.stack.taskCpu, key("taskCpu"));
            const capacity = { fargateBase: key("fargateBase") ?? 0, fargateWeight: key("fargateWeight") ?? 1, fargateSpotWeight: key("fargateSpotWeight") ?? 0 };
            const spot = singleTaskPlacement(capacity) === "FARGATE_SPOT" ? 1 : 0;
            const notes = pattern(report, "UploadTrigger").notes.join(" ");
            if (spot > 0) {
                assert.ok(notes.includes(`${Math.round(spot * 1000) / 10}% of task time on FARGATE_SPOT`), `${name}: ${notes}`);
            }
            assert.equal(hasLine(report, "UploadTrigger", "Fargate vCPU-hours, Spot"), spot > 0, name);
            const extra = (key("ephemeralStorageGiB") ?? 20) - 20;
            assert.equal(hasLine(report, "UploadTrigger", `Ephemeral storage above 20 GiB (${extra} GiB)`), extra > 0, name);
        }
    });

    it("runs as the npm script does (npm run cost)", () => {
        const r = spawnSync(process.execPath, [...npmScriptArgs("cost"), "--stack", "dev", "--files-per-month", "10000", "--file-size-mb", "100"], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 60000,
        });
        assert.equal(r.status, 0, r.stderr);
        for (const p of COST_PATTERNS) {
            assert.match(r.stdout, new RegExp(`^### ${p} — `, "m"));
        }
    });

    it("overrides the region and reads a config file by path", () => {
        const r = run(["--config", path.join(ROOT, "Pulumi.dev.yaml"), "--region", "us-east-1", "--files-per-month", "100", "--seconds-per-file", "30", "--json"]);
        assert.equal(r.code, 0, r.err);
        assert.equal((JSON.parse(r.out) as CostReport).stack.region, "us-east-1");
    });

    it("parses every workload flag", () => {
        const o = parseCostArgs([
            "--stack", "dev", "--files-per-month", "5", "--file-size-mb=2.5", "--rows-per-second-per-vcpu", "1000000", "--bytes-per-row", "90",
            "--request-seconds-per-file", "1", "--s3-read-mbps", "80", "--task-startup-seconds", "25", "--schedule-hours", "6", "--min-workers", "0",
            "--max-workers", "4", "--poll-wait-seconds", "10", "--scale-in-seconds", "120", "--lambda-memory-mb", "256", "--lambda-duration-ms", "500",
            "--lambda-architecture", "ARM64", "--eks-nodes", "2", "--eks-node-hourly-usd", "0.05", "--spot-discount", "0.6", "--free-tier",
        ]);
        assert.deepEqual(o.workload, {
            filesPerMonth: 5, fileSizeMB: 2.5, rowsPerSecondPerVcpu: 1_000_000, bytesPerRow: 90, requestSecondsPerFile: 1, s3ReadMBps: 80,
            taskStartupSeconds: 25, scheduleHours: 6, minWorkers: 0, maxWorkers: 4, pollWaitSeconds: 10, scaleInSeconds: 120, lambdaMemoryMB: 256,
            lambdaDurationMs: 500, lambdaArchitecture: "ARM64", eksNodes: 2, eksNodeHourlyUsd: 0.05, spotDiscount: 0.6, applyFreeTier: true,
        });
        assert.equal(o.stack, "dev");
    });

    const rejects: [string, string[], string][] = [
        ["an unknown option", ["--stack", "dev", "--files", "10"], 'argument: "--files" is not an option; run with --help for the list'],
        ["a missing file count", ["--stack", "dev", "--file-size-mb", "100"], "--files-per-month: undefined is required; give the files uploaded per month, e.g. --files-per-month 10000"],
        ["a value that is not a number", ["--stack", "dev", "--files-per-month", "many", "--file-size-mb", "1"], '--files-per-month: "many" is not a number; give a number, e.g. --files-per-month 10'],
        ["a flag without its value", ["--stack", "dev", "--files-per-month"], "--files-per-month: undefined has no value; give one, e.g. --files-per-month 10"],
        ["neither stack nor config", ["--files-per-month", "1", "--file-size-mb", "1"], "--stack and --config: neither is set; give a stack name (--stack dev) or a config file (--config Pulumi.dev.yaml)"],
        ["an unknown region", ["--stack", "dev", "--region", "ap-south-1", "--files-per-month", "1", "--file-size-mb", "1"], '--region: "ap-south-1" has no price table in this cost model; use one of us-east-1, eu-west-1'],
        ["a workload error, named by its flag", ["--stack", "dev", "--files-per-month", "1", "--file-size-mb", "1", "--seconds-per-file", "2"], "--file-size-mb and --seconds-per-file: [1,2] are both set; give one: the size to derive processing time from, or the measured seconds per file"],
        ["an unknown Lambda architecture", ["--stack", "dev", "--files-per-month", "1", "--file-size-mb", "1", "--lambda-architecture", "x86"], '--lambda-architecture: "x86" is not a CPU architecture; use one of X86_64, ARM64'],
    ];
    for (const [what, argv, message] of rejects) {
        it(`rejects ${what} with exit code 2 and the message`, () => {
            const r = run(argv);
            assert.equal(r.code, 2);
            assert.equal(r.out, "");
            assert.ok(r.err.startsWith(`error: ${message}\n\nUsage: npm run cost`), r.err);
        });
    }

    it("rejects an unknown stack, listing the stacks that exist", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "cost-stacks-"));
        try {
            fs.writeFileSync(path.join(root, "Pulumi.alpha.yaml"), "config:\n  aws:region: us-east-1\n");
            fs.writeFileSync(path.join(root, "Pulumi.beta.yaml"), "config:\n  aws:region: eu-west-1\n");
            const r = run(["--stack", "qa", "--files-per-month", "1", "--file-size-mb", "1"], root);
            assert.equal(r.code, 2);
            assert.ok(r.err.startsWith(`error: --stack: "qa" has no Pulumi.qa.yaml in ${root}; use one of alpha, beta\n`), r.err);
            const ok = run(["--stack", "alpha", "--files-per-month", "1", "--file-size-mb", "1"], root);
            assert.equal(ok.code, 0, ok.err);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("rejects a stack file with an unpriced region, naming aws:region", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "cost-stacks-"));
        try {
            fs.writeFileSync(path.join(root, "Pulumi.far.yaml"), "config:\n  aws:region: ap-southeast-2\n");
            const r = run(["--stack", "far", "--files-per-month", "1", "--file-size-mb", "1"], root);
            assert.equal(r.code, 2);
            assert.ok(r.err.startsWith('error: aws:region: "ap-southeast-2" has no price table in this cost model; use one of us-east-1, eu-west-1\n'), r.err);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("prints its usage with --help", () => {
        const r = run(["--help"]);
        assert.equal(r.code, 0);
        assert.match(r.out, /^Usage: npm run cost -- /);
        assert.match(r.out, /--s3-read-mbps/);
    });
});
