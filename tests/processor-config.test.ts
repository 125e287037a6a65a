import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { candidateKeys, readConfig, relativeName } from "../app/src/processor/config";
import { ExitCode, ProcessorError } from "../app/src/processor/exit-codes";
import { statusKey, summaryKey } from "../app/src/processor/status";
import { ROOT } from "./mocks";

const BASE = { S3_BUCKET: "b", S3_KEY: "uploads/a.csv" };

function configError(env: Record<string, string>, message: string): void {
    assert.throws(
        () => readConfig(env),
        (e: unknown) => e instanceof ProcessorError && e.exitCode === ExitCode.CONFIG && e.message === message,
    );
}

describe("processor settings", () => {
    it("reads the rule's variables with the pipeline's defaults", () => {
        const c = readConfig({ ...BASE, S3_OBJECT_SIZE: "12", S3_OBJECT_ETAG: '"abc"', S3_EVENT_TIME: "2026-11-23T10:00:00Z", S3_EVENT_ID: "e1" });
        assert.deepEqual(
            [c.bucket, c.key, c.size, c.etag, c.eventId, c.uploadPrefix, c.outputPrefix, c.statusPrefix, c.region, c.endpoint, c.forcePathStyle, c.shutdownGraceMs],
            ["b", "uploads/a.csv", 12, "abc", "e1", "uploads/", "processed/", "status/", "us-east-1", undefined, false, 20000],
        );
    });

    it("uses path-style addressing with a custom endpoint, and reads summary overrides", () => {
        const c = readConfig({ ...BASE, S3_ENDPOINT: "http://127.0.0.1:9000", SUMMARY_FORMAT: "tsv", SUMMARY_DELIMITER: "\\t", SUMMARY_HEADER: "false", MAX_LINE_BYTES: "4096", SUMMARY_PARALLELISM: "2" });
        assert.equal(c.forcePathStyle, true);
        assert.deepEqual(c.summary, { format: "tsv", delimiter: "\t", header: false, maxLineBytes: 4096, parallelism: 2 });
        assert.equal(readConfig(BASE).summary.parallelism, 1);
    });

    it("rejects each missing or invalid setting, naming the variable and what is allowed", () => {
        configError({ S3_KEY: "uploads/a.csv" }, "S3_BUCKET is not set; the upload rule sets it for each file (for a local run: S3_BUCKET=… npm run …)");
        configError({ S3_BUCKET: "b" }, "S3_KEY is not set; the upload rule sets it for each file (for a local run: S3_KEY=… npm run …)");
        configError({ ...BASE, S3_OBJECT_SIZE: "-1" }, `S3_OBJECT_SIZE: "-1" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
        configError({ ...BASE, S3_ENDPOINT: "localhost:9000" }, 'S3_ENDPOINT: "localhost:9000" is not an http(s) URL such as http://127.0.0.1:4566');
        configError({ ...BASE, SUMMARY_FORMAT: "xml" }, 'SUMMARY_FORMAT: "xml" is not one of auto, csv, tsv, jsonl');
        configError({ ...BASE, SUMMARY_DELIMITER: ";;" }, 'SUMMARY_DELIMITER: ";;" is not a single character (use \\t for a tab)');
        configError({ ...BASE, SUMMARY_PARALLELISM: "0" }, 'SUMMARY_PARALLELISM: "0" is not a whole number from 1 to 16');
        configError({ ...BASE, SUMMARY_HEADER: "yes" }, 'SUMMARY_HEADER: "yes" is not true or false');
        configError({ ...BASE, S3_EVENT_TIME: "yesterday" }, 'S3_EVENT_TIME: "yesterday" is not an ISO-8601 time');
        configError({ ...BASE, S3_STATUS_PREFIX: "uploads/status/" }, 'S3_STATUS_PREFIX: "uploads/status/" overlaps S3_UPLOAD_PREFIX "uploads/"; the processor\'s writes would trigger it again');
        configError({ ...BASE, S3_KEY: "other/a.csv" }, 'S3_KEY: "other/a.csv" is not a file under the upload prefix "uploads/"');
        configError({ ...BASE, S3_KEY: "uploads/" }, 'S3_KEY: "uploads/" is not a file under the upload prefix "uploads/"');
    });

    it("never changes the environment object it reads", () => {
        const env = { ...BASE, S3_OBJECT_ETAG: '"x"' };
        readConfig(env);
        assert.deepEqual(env, { ...BASE, S3_OBJECT_ETAG: '"x"' });
    });
});

describe("keys", () => {
    it("tries the key as given, then decoded once the way S3 notifications encode keys", () => {
        assert.deepEqual(candidateKeys("uploads/a.csv"), ["uploads/a.csv"]);
        assert.deepEqual(candidateKeys("uploads/a+b.csv"), ["uploads/a+b.csv", "uploads/a b.csv"]);
        assert.deepEqual(candidateKeys("uploads/%C3%BC%2B.csv"), ["uploads/%C3%BC%2B.csv", "uploads/ü+.csv"]);
        assert.deepEqual(candidateKeys("uploads/100%252B.csv"), ["uploads/100%252B.csv", "uploads/100%2B.csv"]);
        assert.deepEqual(candidateKeys("uploads/bad%zz.csv"), ["uploads/bad%zz.csv"]);
    });

    it("puts outputs and status documents at the same relative name under their prefixes", () => {
        const rel = relativeName("uploads/2026/11/day one.csv", "uploads/");
        assert.equal(rel, "2026/11/day one.csv");
        assert.equal(summaryKey("processed/", rel), "processed/2026/11/day one.csv.summary.json");
        assert.equal(statusKey("status/", rel), "status/2026/11/day one.csv.json");
    });
});

describe("the processor's image", () => {
    const app = (f: string) => fs.readFileSync(path.join(ROOT, "app", f), "utf8");

    it("pins the same dependency ranges as the repository's tests use", () => {
        const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const pkg = JSON.parse(app("package.json"));
        for (const [name, range] of Object.entries<string>(pkg.dependencies)) {
            assert.equal(range, root.devDependencies[name], name);
        }
        const lock = JSON.parse(app("package-lock.json"));
        assert.deepEqual(Object.keys(lock.packages[""].dependencies).sort(), Object.keys(pkg.dependencies).sort());
    });

    it("is multi-stage, on a Node LTS, runs as a non-root user, and starts the compiled entry point", () => {
        const dockerfile = app("Dockerfile");
        const froms = dockerfile.match(/^FROM .*/gm) ?? [];
        assert.equal(froms.length, 2);
        const version = Number(/^ARG NODE_VERSION=(\d+)$/m.exec(dockerfile)?.[1]);
        assert.ok(version >= 22 && version % 2 === 0, `Node ${version} is an LTS line`);
        assert.match(dockerfile, /^USER 65532:65532$/m);
        assert.match(dockerfile, /npm ci/);
        const cmd = /^CMD \["(.+)"\]$/m.exec(dockerfile)?.[1];
        assert.equal(cmd, "dist/processor/main.js");
        const tsconfig = JSON.parse(app("tsconfig.json"));
        assert.equal(path.join(tsconfig.compilerOptions.outDir, "processor/main.js"), cmd);
        assert.ok(fs.existsSync(path.join(ROOT, "app", tsconfig.compilerOptions.rootDir, "processor/main.ts")));
    });
});
