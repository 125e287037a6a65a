/**
 * The policy packs with their offline runner as the npm package @s3-fargate-pipeline/policy-packs
 * (`npm run build:policy`, then `npm pack` / `npm publish` of policy/offline/dist), for teams that run
 * the packs without the Pulumi CLI: what it holds and loads, what `npm publish` would upload, and its
 * command run in an empty project (the package and @s3-fargate-pipeline/policy-lib from their
 * tarballs, the other declared dependencies and the project's own linked from this repository) on a
 * program of that project: it must report what `npm run policy` reports here.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { Finding } from "../policy/offline/engine";
import { runPolicies } from "../policy/offline/run";
import { COMMAND, POLICY_LAYOUT, RUNNER_DIR } from "../scripts/package-policy";
import { ROOT } from "./mocks";
import { isProvided, linkFromRepository, manifest, publishDryRun, requiresOf, tarList, unpack } from "./support/npm-pack";
import { packedPolicyLibrary, packedPolicyPackage } from "./support/policy-package";

const PACKAGE = "@s3-fargate-pipeline/policy-packs";
const LIB = "@s3-fargate-pipeline/policy-lib";
const PROGRAM = path.join(ROOT, "tests", "fixtures", "insecure-stack", "index.ts");

/** What the package must hold: each module the build compiles and its declarations, the command, the manifest and the README. */
function expectedFiles(): string[] {
    const file = path.join(RUNNER_DIR, "tsconfig.build.json");
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, RUNNER_DIR);
    const modules = parsed.fileNames.map((f) => path.relative(path.join(ROOT, "policy"), f).replace(/\.ts$/, ""));
    return [...modules.flatMap((m) => [`${m}.js`, `${m}.d.ts`]), `bin/${COMMAND}.js`, "README.md", "package.json"].sort();
}

/** Findings as both runs report them, with each declaring line's file relative to the program's folder. */
function comparable(findings: Finding[], programDir: string): unknown[] {
    return findings.map((f) => ({ ...f, source: f.source && { ...f.source, file: path.relative(programDir, f.source.file) } }));
}

describe("the policy packs and their runner as an npm package", function () {
    this.timeout(300000);
    let tmp: string;
    let dist: string;
    let files: string[];
    let tarball: string;
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-package-"));
        ({ dist, tarball } = packedPolicyPackage());
        files = tarList(tarball);
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("packs the compiled runner and both packs' rules with their declarations, the command and the README, and nothing else", () => {
        assert.deepEqual(files, expectedFiles());
    });

    it("has the runner's version, its dependencies, a command, and an exports map whose every entry point is in the package", () => {
        const published = manifest(dist);
        const workspace = manifest(RUNNER_DIR);
        assert.match(published.version, /^\d+\.\d+\.\d+$/);
        assert.deepEqual([published.name, published.version, published.dependencies, published.private], [PACKAGE, workspace.version, workspace.dependencies, undefined]);
        const raw = JSON.parse(fs.readFileSync(path.join(dist, "package.json"), "utf8")) as { bin: Record<string, string>; exports: Record<string, string | { types: string; default: string }> };
        assert.deepEqual(raw.bin, { [COMMAND]: `bin/${COMMAND}.js` });
        assert.deepEqual(Object.keys(raw.exports), [...Object.keys(POLICY_LAYOUT.entryPoints), "./package.json"]);
        for (const target of Object.values(raw.exports)) {
            for (const file of typeof target === "string" ? [target] : [target.types, target.default]) {
                assert.ok(files.includes(file.replace(/^\.\//, "")), `exports names ${file}, which the package does not hold`);
            }
        }
        assert.equal(fs.readFileSync(path.join(dist, "bin", `${COMMAND}.js`), "utf8").split("\n")[0], "#!/usr/bin/env node");
    });

    it("loads at run time only its declared dependencies and its own modules", () => {
        const published = manifest(dist);
        const problems: string[] = [];
        for (const file of files.filter((f) => f.endsWith(".js"))) {
            for (const specifier of requiresOf(fs.readFileSync(path.join(dist, file), "utf8"))) {
                if (specifier.startsWith(".")) {
                    const target = path.posix.join(path.posix.dirname(file), specifier);
                    if (!files.includes(`${target}.js`) && !files.includes(target)) problems.push(`${file} requires ${specifier}, which the package does not hold`);
                } else if (!isProvided(specifier, published)) {
                    problems.push(`${file} requires ${specifier}, which the package does not declare`);
                }
            }
        }
        assert.deepEqual(problems, []);
    });

    it("would upload exactly these files with `npm publish --dry-run`", () => {
        const report = publishDryRun(dist, PACKAGE);
        assert.ok(report, `npm publish --dry-run reported nothing for ${PACKAGE}`);
        assert.equal(report.id, `${PACKAGE}@${manifest(dist).version}`);
        assert.deepEqual(report.files.map((f) => f.path).sort(), expectedFiles());
    });

    it("installed into an empty project, its command reports on the project's program what `npm run policy` reports here", async () => {
        const project = path.join(tmp, "project");
        const nodeModules = path.join(project, "node_modules");
        fs.mkdirSync(project);
        fs.copyFileSync(PROGRAM, path.join(project, "index.ts"));
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", esModuleInterop: true } }));
        unpack(tarball, path.join(nodeModules, PACKAGE));
        unpack(packedPolicyLibrary(), path.join(nodeModules, LIB));
        const published = manifest(dist);
        const lib = manifest(path.join(nodeModules, LIB));
        const needed = new Set([...Object.keys(published.dependencies ?? {}), ...Object.keys(published.peerDependencies ?? {}), ...Object.keys(lib.dependencies ?? {})]);
        needed.delete(LIB);
        // The project's own: the program's SDKs, and ts-node with the compiler to load it.
        linkFromRepository(nodeModules, [...needed, "@pulumi/aws", "ts-node", "typescript", "@types/node"]);
        const run = spawnSync(process.execPath, [path.join(nodeModules, PACKAGE, "bin", `${COMMAND}.js`), "--program", "index.ts", "--json", "report.json", "--sarif", "report.sarif"], {
            cwd: project,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_NO_WARNINGS: "1" },
        });
        assert.equal(run.status, 1, `mandatory violations exit 1: ${run.stderr}`);
        assert.ok(fs.existsSync(path.join(project, "report.json")), `the command wrote no report.json; its output:\n${run.stdout}\n${run.stderr}`);
        const report = JSON.parse(fs.readFileSync(path.join(project, "report.json"), "utf8")) as { stacks: { stack: string; program: string; findings: Finding[] }[] };
        const here = await runPolicies({ stacks: ["dev"], program: PROGRAM, packConfig: {} });
        assert.deepEqual(
            report.stacks.map((s) => [s.stack, s.program, comparable(s.findings, project)]),
            here.map((s) => [s.stack, "index.ts", comparable(JSON.parse(JSON.stringify(s.findings)) as Finding[], path.dirname(PROGRAM))]),
        );
        assert.ok(here[0].findings.length > 0);
        const sarif = JSON.parse(fs.readFileSync(path.join(project, "report.sarif"), "utf8")) as { runs: { tool: { driver: { version: string } } }[] };
        assert.equal(sarif.runs[0].tool.driver.version, published.version);
    });
});
