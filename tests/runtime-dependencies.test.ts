/**
 * `pulumi up` runs index.ts in whatever environment installed the project, possibly with
 * `npm ci --omit=dev`. Everything the program loads at run time (followed from index.ts through
 * its relative imports) must then be a dependency, not a devDependency; the compiler and Node's
 * typings too, because Pulumi's Node.js language host type-checks the program with the project's
 * `typescript` (falling back to an old bundled one) unless PULUMI_NODEJS_TRANSPILE_ONLY is set.
 * The program's tsconfig.json names no test typings; tests/tsconfig.json adds them and includes every
 * file the program's does, so `npm run typecheck` checks both in one compiler run.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./mocks";
import { packagesLoadedBy } from "./support/imports";
import { TS_REGISTER } from "./support/ts-process";
import { npmTestTypeChecks } from "./support/workflows";

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
};

describe("run-time dependencies of the Pulumi program", () => {
    const program = packagesLoadedBy(path.join(ROOT, "index.ts"), ROOT).static;
    // The component library is a workspace of this repository: here it runs from its sources.
    const libraryLoads = packagesLoadedBy(path.join(ROOT, "components", "index.ts"), ROOT);
    const library = new Map([...libraryLoads.static, ...libraryLoads.dynamic]);
    const libraryManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "components", "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
        peerDependencies: Record<string, string>;
    };

    it("imports the Pulumi SDK and the components, by package name", () => {
        assert.deepEqual([...program.keys()].sort(), ["@pulumi/pulumi", "@s3-fargate-pipeline/components"]);
    });

    it("lists every package the program and the library's sources load under dependencies, none only under devDependencies", () => {
        const missing = [...program, ...library].filter(([name]) => manifest.dependencies[name] === undefined).map(([name, file]) => `${name} (loaded by ${file})`);
        assert.deepEqual(missing, []);
    });

    it("the library's sources load what its manifest declares, and the compiler only to build the Lambda code from the source tree", () => {
        const undeclared = [...library]
            .filter(([name]) => libraryManifest.dependencies[name] === undefined && libraryManifest.peerDependencies[name] === undefined)
            .map(([name, file]) => `${name} (loaded by ${file})`);
        // components/lambda-build.ts (source tree only) transpiles through the cache, which loads the compiler on a miss.
        assert.deepEqual(undeclared, ["typescript (loaded by app/src/transpile.ts)"]);
        assert.ok(libraryLoads.dynamic.has("typescript"), "the compiler is loaded when the Lambda code is built, not when the library is");
    });

    it("lists the compiler and Node's typings under dependencies: Pulumi type-checks the program with them", () => {
        assert.match(manifest.dependencies.typescript ?? "", /^~5\.9\./);
        assert.ok(manifest.dependencies["@types/node"], "@types/node is a dependency");
    });

    it("type-checks with typings from dependencies only; the tests' typings live in tests/tsconfig.json", () => {
        const program = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile).config as { compilerOptions: { types: string[] }; include: string[] };
        for (const t of program.compilerOptions.types) {
            assert.ok(manifest.dependencies[`@types/${t}`], `tsconfig.json types "${t}": @types/${t} is not a dependency`);
        }
        assert.ok(!program.include.some((p) => p.startsWith("tests")), `tsconfig.json includes ${program.include.join(", ")}`);
        const tests = ts.readConfigFile(path.join(ROOT, "tests", "tsconfig.json"), ts.sys.readFile).config as { extends: string; compilerOptions: { types: string[] }; include: string[] };
        assert.equal(tests.extends, "../tsconfig.json");
        assert.ok(tests.compilerOptions.types.includes("mocha"));
        const missing = program.include.filter((p) => !tests.include.includes(`../${p}`));
        assert.deepEqual(missing, [], "tests/tsconfig.json includes every path of tsconfig.json, so one compiler run checks both");
        assert.equal(manifest.scripts.typecheck, "tsc --noEmit -p tests");
        assert.ok(npmTestTypeChecks(), "npm test runs tests/typecheck.test.ts (npm run typecheck) beside the other files");
    });

    it("runs the npm scripts' TypeScript through scripts/register.js, as the tests and the processes they start do", () => {
        const scripts = Object.entries(manifest.scripts).filter(([, command]) => command.endsWith(".ts"));
        assert.ok(scripts.length >= 10, `${scripts.length} scripts run a .ts file`);
        for (const [name, command] of scripts) {
            assert.match(command, /^node (--[\w-]+ )*-r \.\/scripts\/register\.js \S+\.ts$/, `npm run ${name}`);
        }
        assert.deepEqual(TS_REGISTER, ["-r", path.join(ROOT, "scripts", "register.js")]);
    });
});

// `npm run smoke` runs after a deploy (CI runs it with the deploy job's install) and talks to AWS only.
describe("run-time dependencies of the smoke check", () => {
    const loaded = packagesLoadedBy(path.join(ROOT, "app", "src", "smoke", "cli.ts"), ROOT);

    it("loads the AWS SDK clients it uses and never the Pulumi SDK", () => {
        for (const expected of ["@aws-sdk/client-s3", "@aws-sdk/client-sqs", "@aws-sdk/client-sns", "@aws-sdk/client-cloudwatch"]) {
            assert.ok(loaded.static.has(expected), `the smoke check loads ${expected}`);
        }
        const pulumi = [...loaded.static, ...loaded.dynamic].filter(([name]) => name.startsWith("@pulumi/")).map(([name, file]) => `${name} (loaded by ${file})`);
        assert.deepEqual(pulumi, []);
    });

    it("lists what it loads under dependencies; the local S3 server's package only on the local path", () => {
        const missing = [...loaded.static].filter(([name]) => manifest.dependencies[name] === undefined).map(([name, file]) => `${name} (loaded by ${file})`);
        assert.deepEqual(missing, []);
        assert.deepEqual([...loaded.dynamic.keys()], ["s3rver"], "loaded only against the local pipeline, where development dependencies are installed");
    });
});

// Each file is processed by a new task (a new process): what the processor loads at its start, every task compiles.
describe("run-time dependencies of the processor", () => {
    const loaded = packagesLoadedBy(path.join(ROOT, "app", "src", "processor", "main.ts"), ROOT);
    const appManifest = JSON.parse(fs.readFileSync(path.join(ROOT, "app", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const onDemand = ["@aws-sdk/client-ecs", "@aws-sdk/client-sqs", "hyparquet", "hyparquet-compressors"];

    it("loads the Parquet reader, the ECS client and the SQS client only on the paths that use them (Parquet input, starting shards, worker mode)", () => {
        assert.ok(loaded.static.has("@aws-sdk/client-s3"), "the S3 client is loaded at start");
        assert.deepEqual(onDemand.filter((name) => loaded.static.has(name)), [], `loaded at start: ${JSON.stringify([...loaded.static])}`);
        assert.deepEqual(onDemand.filter((name) => loaded.dynamic.has(name)), onDemand);
    });

    it("loads the summariser only for a task that runs it: a task that runs a stack's own command never compiles it", () => {
        const summariser = ["app/src/processor/summary-job.ts", "app/src/processor/summarize/summarizer.ts", "app/src/processor/summarize/stream.ts"];
        assert.deepEqual(summariser.filter((file) => loaded.staticFiles.has(file)), []);
        assert.ok(loaded.staticFiles.has("app/src/processor/command.ts"), "the command job is loaded at start");
        assert.ok(packagesLoadedBy(path.join(ROOT, "app", "src", "processor", "summary-job.ts"), ROOT).staticFiles.has("app/src/processor/summarize/summarizer.ts"));
    });

    it("lists everything it loads, at start or later, under the image's dependencies (the compiler only to start worker threads from TypeScript sources)", () => {
        const missing = [...loaded.static, ...loaded.dynamic].filter(([name]) => appManifest.dependencies[name] === undefined).map(([name, file]) => `${name} (loaded by ${file})`);
        // In the image the worker threads' scripts are compiled JavaScript next to the code (summarize/workers.ts).
        assert.deepEqual(missing, ["typescript (loaded by app/src/transpile.ts)"]);
    });
});
