/**
 * The import rules between the layers (docs/ARCHITECTURE.md, "Layers"), checked on every source file's
 * imports as written (type-only ones included: they couple the layers as much):
 *
 *   - components/builders imports nothing but builders and Node built-ins;
 *   - components/builders/contracts.ts imports nothing at all;
 *   - app/ imports no components/ file except the builders and the pure config schema (stack-config.ts);
 *   - each policy pack imports only its own folder and packages;
 *   - policy/ imports nothing from components/ or app/.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import * as ts from "typescript";

const ROOT = path.join(__dirname, "..");

/** The TypeScript files under a folder of the repository (no node_modules, no build output). */
function sourcesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) {
                if (entry.name !== "node_modules" && entry.name !== "bin" && !entry.name.startsWith("dist")) {
                    walk(full);
                }
            } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
                out.push(full);
            }
        }
    };
    walk(path.join(ROOT, dir));
    return out.sort();
}

/** The folders of the repository that hold its TypeScript sources; the program's index.ts is the one beside them. */
const SOURCE_FOLDERS = ["app", "bench", "components", "deploy", "policy", "scripts", "tests", "tools"];
const MAX_LINES = 700;

/** The files of `files` with more than `limit` lines, as "path: N lines". */
function longerThan(limit: number, files: readonly string[]): string[] {
    return files.flatMap((file) => {
        const lines = (fs.readFileSync(file, "utf8").match(/\n/g) ?? []).length;
        return lines > limit ? [`${path.relative(ROOT, file)}: ${lines} lines`] : [];
    });
}

/** A file's imports (import, export … from, require, import()) as written. */
function importsOf(file: string): string[] {
    return ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles.map((f) => f.fileName);
}

/** A relative import as a repository path (`components/builders/iam`), or undefined for a package or built-in. */
function target(file: string, specifier: string): string | undefined {
    return specifier.startsWith(".") ? path.relative(ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep).join("/") : undefined;
}

const isBuiltin = (specifier: string) => specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]);

/** Every import in `dir` that `allowed` refuses, as `file: specifier`. */
function violations(dir: string, allowed: (file: string, specifier: string, to: string | undefined) => boolean): string[] {
    return sourcesUnder(dir).flatMap((file) =>
        importsOf(file)
            .filter((s) => !allowed(file, s, target(file, s)))
            .map((s) => `${path.relative(ROOT, file)}: ${s}`),
    );
}

const within = (to: string | undefined, dir: string) => to !== undefined && (to === dir || to.startsWith(`${dir}/`));

describe("the import rules between the layers", () => {
    it("components/builders imports only builders and Node built-ins", () => {
        assert.deepEqual(
            violations("components/builders", (_f, s, to) => isBuiltin(s) || within(to, "components/builders")),
            [],
        );
    });

    it("the contracts module imports nothing", () => {
        assert.deepEqual(importsOf(path.join(ROOT, "components/builders/contracts.ts")), []);
    });

    it("app/ imports no components/ file except the builders and the pure config schema", () => {
        assert.deepEqual(
            violations("app", (_f, _s, to) => !within(to, "components") || within(to, "components/builders") || to === "components/stack-config"),
            [],
        );
    });

    it("the pure config schema imports only the builders", () => {
        assert.deepEqual(importsOf(path.join(ROOT, "components/stack-config.ts")).filter((s) => target(path.join(ROOT, "components/stack-config.ts"), s) !== "components/builders"), []);
    });

    for (const pack of ["policy/least-privilege-iam", "policy/log-retention"]) {
        it(`the ${pack} pack imports only its own folder and packages`, () => {
            assert.deepEqual(
                violations(pack, (_f, _s, to) => to === undefined || within(to, pack)),
                [],
            );
        });
    }

    it("policy/ imports nothing from components/ or app/", () => {
        assert.deepEqual(
            violations("policy", (_f, _s, to) => !within(to, "components") && !within(to, "app")),
            [],
        );
    });

    it("components/ imports the AWS SDK by service, through components/aws.ts, never its index (every service's declarations)", () => {
        assert.deepEqual(
            violations("components", (f, s) => s !== "@pulumi/aws" || path.relative(ROOT, f) === "components/aws.ts"),
            [],
        );
        // Its one require() of the index (for the run time's registrations) is not read by the type checker.
        const source = fs.readFileSync(path.join(ROOT, "components/aws.ts"), "utf8");
        const staticImports = ts.preProcessFile(source, true, false).importedFiles.map((f) => f.fileName);
        assert.ok(staticImports.length > 0 && staticImports.every((s) => s.startsWith("@pulumi/aws/")), staticImports.join(", "));
    });

    it("the unit tier (tests/unit-tier.json) starts no server, browser or child process", () => {
        const { files } = JSON.parse(fs.readFileSync(path.join(__dirname, "unit-tier.json"), "utf8")) as { files: string[] };
        const starters = /^(child_process|http|https|net|worker_threads|playwright-core|s3rver)$|^\.\/support\/(s3|sqs-server|ecs-server|processor|demo-cli|plugin-process|npm-pack|component-package|provider|analyzer|summarize-run|python-types)$/;
        const found = files.flatMap((f) => importsOf(path.join(__dirname, `${f}.test.ts`)).filter((s) => starters.test(s.replace(/^node:/, ""))).map((s) => `${f}: ${s}`));
        assert.deepEqual(found, []);
        assert.ok(files.every((f) => fs.existsSync(path.join(__dirname, `${f}.test.ts`))), "every listed file exists");
    });

    it("no source file is over 700 lines (tests and benchmarks included)", () => {
        assert.deepEqual(longerThan(MAX_LINES, [path.join(ROOT, "index.ts"), ...SOURCE_FOLDERS.flatMap(sourcesUnder)]), []);
    });

    it("a rule can fail: an import that breaks it is reported with its file", () => {
        const file = path.join(ROOT, "app/src/local/stack.ts");
        assert.equal(target(file, "../../../components/names"), "components/names");
        assert.equal(target(file, "../../../components/builders/contracts"), "components/builders/contracts");
        assert.ok(importsOf(file).includes("../../../components/stack-config"));
        assert.ok(!isBuiltin("@pulumi/pulumi") && isBuiltin("fs") && isBuiltin("node:path"));
        assert.match(longerThan(10, [file])[0] ?? "", /^app\/src\/local\/stack\.ts: \d+ lines$/);
    });
});
