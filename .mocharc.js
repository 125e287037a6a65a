// The whole suite (`npm test`): every test file under tests/ (the type check among them:
// tests/typecheck.test.ts), in separate processes, two per core (at least 4, at most 8): many files
// spend much of their time waiting (on timers, child processes, a browser), and a core left idle by
// one file's wait runs another's work.
// Mocha hands the files to its workers in the order of `spec`, so the files that take longest
// (by their measured time: timers and child processes) go first, and the short ones fill in at the
// end, so that the workers finish together. Every other *.test.ts follows in name order; a file
// missing from the list only starts later.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const LONGEST_FIRST = [
    "shards",
    "shards-failures",
    "smoke",
    "typecheck",
    "component-package",
    "processor-e2e",
    "demo",
    "shards-parquet",
    "examples",
    "demo-load-fault",
    "policy-publish",
    "processor-queue-worker",
    "summarize-ranges",
    "summarize-parallel",
    "stack-patterns",
    "provider-schema",
    "lambda-trigger",
    "policy-runner",
    "policy-corpus",
    "dockerfiles",
    "workflows-role-simulation",
    "status-page-browser",
    "processor-batch",
    "policy-pack-server",
    "release-urns",
    "cross-language",
];

/** Every *.test.ts under `dir` (relative to the repository), as paths relative to the repository. */
function testFiles(dir) {
    return fs
        .readdirSync(path.join(__dirname, dir), { withFileTypes: true })
        .flatMap((entry) => (entry.isDirectory() ? testFiles(path.join(dir, entry.name)) : entry.name.endsWith(".test.ts") ? [path.join(dir, entry.name)] : []))
        .sort();
}

const all = testFiles("tests");
const first = LONGEST_FIRST.map((name) => path.join("tests", `${name}.test.ts`)).filter((file) => all.includes(file));

module.exports = {
    require: ["./scripts/register.js", "tests/support/setup.ts"],
    spec: [...first, ...all.filter((file) => !first.includes(file))],
    timeout: 20000,
    parallel: true,
    jobs: Math.min(8, Math.max(4, 2 * os.availableParallelism())),
    reporter: "tests/summary-reporter.js",
    // A larger young generation for mocha's processes and its workers (not the processes the tests start): a program
    // run under Pulumi mocks allocates a promise, a stack and an Output per property, and with 64 MiB semi-spaces
    // instead of V8's 16 MiB the unit tier took about a tenth less CPU time.
    "node-option": ["max-semi-space-size=64"],
};
