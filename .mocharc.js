// The whole suite (`npm test`): every test file under tests/, two at a time in separate processes.
// Mocha hands the files to its two workers in the order of `spec`, so the files that take longest
// (by their measured time: timers and child processes) go first, and the short ones fill in at the
// end, so that both workers finish together. Every other *.test.ts follows in name order; a file
// missing from the list only starts later.
"use strict";
const fs = require("fs");
const path = require("path");

const LONGEST_FIRST = [
    "shards",
    "shards-failures",
    "smoke",
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
    require: ["./tests/support/register.js", "tests/support/setup.ts"],
    spec: [...first, ...all.filter((file) => !first.includes(file))],
    timeout: 20000,
    parallel: true,
    jobs: 2,
    reporter: "tests/summary-reporter.js",
};
