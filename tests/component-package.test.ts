/**
 * The component library as an npm package (`npm run build:components`, then `npm pack` / `npm publish`
 * of components/dist): what it holds, what it loads, what `npm publish` would upload, and a user's
 * program built on it.
 *
 * The user's program is this repository's index.ts, copied into an empty temporary folder with the
 * project and stack files and the processor's build context: it imports the components by package
 * name only. The packed tarball is unpacked into the folder's node_modules and the package's declared
 * dependencies are linked from this repository's (no registry needed); nothing else is there, so a
 * file missing from the package, or a dependency it does not declare, fails. The program is
 * type-checked against the package's declarations (as `pulumi up` does; the package's declarations are
 * checked too, as `skipLibCheck` off checks them; a passing check is kept between runs while nothing it
 * read has changed: tests/support/type-check.ts) and run under mocks in a process of its own
 * (its index.ts transpiled as mocha's workers do, scripts/register.js; one process runs each
 * stack in turn), with each stack's config: it must create the same resources, with the same inputs,
 * as this repository's program.
 */
import { strict as assert } from "assert";
import { SpawnSyncReturns, execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { buildContextFiles } from "../components/builders/image";
import { LAMBDA_HANDLERS } from "../components/lambda-code";
import { runProgram } from "../policy/offline/program";
import { COMPONENTS_DIR, LAYOUT } from "../scripts/package-components";
import { URN_STACKS, urnStackConfig } from "../scripts/release-urns";
import { ROOT } from "./mocks";
import { COMPONENTS_INPUTS, COMPONENTS_PACKAGE, installComponents, packedComponents } from "./support/component-package";
import { filesReadFrom } from "./support/imports";
import { isProvided, manifest, publishDryRun, requiresOf, tarList } from "./support/npm-pack";
import { PlainResource, ProgramRequest, plainResources } from "./support/program-under-mocks";
import { TS_REGISTER } from "./support/ts-process";
import { typeCheck } from "./support/type-check";

/** The modules tsconfig.build.json compiles, and those it leaves out of the package (source-tree only). */
function buildConfig(): { modules: string[]; excluded: string[] } {
    const file = path.join(COMPONENTS_DIR, "tsconfig.build.json");
    const raw = ts.readConfigFile(file, ts.sys.readFile).config as { exclude: string[] };
    const parsed = ts.parseJsonConfigFileContent(raw, ts.sys, COMPONENTS_DIR);
    return {
        modules: parsed.fileNames.map((f) => path.relative(COMPONENTS_DIR, f).replace(/\.ts$/, "")),
        excluded: raw.exclude.filter((e) => e.endsWith(".ts")).map((e) => e.replace(/\.ts$/, "")),
    };
}

/** What the package must hold: each compiled module and its declarations, each handler's JavaScript, the manifest and the docs. */
function expectedFiles(): string[] {
    const lambda = LAMBDA_HANDLERS.flatMap((handler) =>
        fs
            .readdirSync(path.join(ROOT, "app", "src", handler))
            .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
            .map((f) => `lambda/${handler}/${f.replace(/\.ts$/, ".js")}`),
    );
    return [...buildConfig().modules.flatMap((m) => [`${m}.js`, `${m}.d.ts`]), ...lambda, "CHANGELOG.md", "README.md", "package.json"].sort();
}



/** Each program folder's resources by stack, from its one run in a process of its own. */
const runsInOwnProcess = new Map<string, Map<string, PlainResource[]>>();

/**
 * A program folder's index.ts under mocks in a process of its own (tests/support/program-under-mocks.ts),
 * for `spec`'s stack; returns its resources. The first call runs every stack of `specs` in that process.
 */
function runInOwnProcess(programDir: string, spec: (typeof URN_STACKS)[number], specs: readonly (typeof URN_STACKS)[number][]): PlainResource[] {
    let byStack = runsInOwnProcess.get(programDir);
    if (byStack === undefined) {
        const requests = specs.map((s): ProgramRequest => {
            const { config, secretKeys } = urnStackConfig(s);
            return { program: path.join(programDir, "index.ts"), stack: s.stack, config, secretKeys, out: path.join(programDir, `${s.stack}.json`) };
        });
        const files = requests.map((request) => {
            const file = path.join(programDir, `request-${request.stack}.json`);
            fs.writeFileSync(file, JSON.stringify(request));
            return file;
        });
        const child: SpawnSyncReturns<string> = spawnSync(process.execPath, [...TS_REGISTER, path.join(__dirname, "support", "program-under-mocks.ts"), ...files], {
            cwd: programDir,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_NO_WARNINGS: "1" },
        });
        assert.equal(child.status, 0, child.stderr);
        byStack = new Map(requests.map((request) => [request.stack, JSON.parse(fs.readFileSync(request.out, "utf8")) as PlainResource[]]));
        runsInOwnProcess.set(programDir, byStack);
    }
    const resources = byStack.get(spec.stack);
    assert.ok(resources, `no run of the ${spec.stack} stack`);
    return resources;
}

/** This repository's program under mocks, in this process, in the same form. */
async function ourResources(spec: (typeof URN_STACKS)[number]): Promise<PlainResource[]> {
    const { config, secretKeys } = urnStackConfig(spec);
    return JSON.parse(JSON.stringify(await plainResources((await runProgram({ stack: spec.stack, config, secretKeys })).resources))) as PlainResource[];
}

describe("the component library as an npm package", function () {
    this.timeout(300000);
    let dist: string;
    let files: string[];
    before(() => {
        const packed = packedComponents();
        dist = packed.dist;
        files = tarList(packed.tarball);
    });

    it("is kept under a hash of every repository file its build reads (the build script, what it compiles and each Lambda handler's sources, with what they import)", () => {
        const roots = [
            path.join(ROOT, "scripts", "package-components.ts"),
            ...buildConfig().modules.map((m) => path.join(COMPONENTS_DIR, `${m}.ts`)),
            ...LAMBDA_HANDLERS.flatMap((handler) => fs.readdirSync(path.join(ROOT, "app", "src", handler)).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, "app", "src", handler, f))),
        ];
        const relative = [...filesReadFrom(roots, ROOT)];
        assert.ok(relative.includes(path.join("app", "src", "transpile.ts")), "the Lambda sources' transpiler is among them");
        assert.deepEqual(relative.filter((f) => !COMPONENTS_INPUTS.some((input) => f === input || f.startsWith(`${input}/`))), [], "read by the build, outside the inputs");
    });

    it("packs the compiled modules with their declarations, each Lambda handler's JavaScript, the README and the changelog, and nothing else", () => {
        assert.deepEqual(files, expectedFiles());
        assert.ok(!files.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no TypeScript sources");
    });

    it("has a semver version, the workspace's name, version and dependencies, and an exports map whose every entry point is in the package", () => {
        const published = manifest(dist);
        const workspace = manifest(COMPONENTS_DIR);
        assert.match(published.version, /^\d+\.\d+\.\d+$/);
        assert.deepEqual(
            [published.name, published.version, published.dependencies, published.peerDependencies, published.private],
            [COMPONENTS_PACKAGE, workspace.version, workspace.dependencies, workspace.peerDependencies, undefined],
        );
        assert.equal(workspace.private, true, "the workspace manifest cannot be published by mistake");
        const raw = JSON.parse(fs.readFileSync(path.join(dist, "package.json"), "utf8")) as { main: string; types: string; exports: Record<string, string | { types: string; default: string }> };
        assert.deepEqual(Object.keys(raw.exports), [...Object.keys(LAYOUT.entryPoints), "./package.json"]);
        for (const [subpath, target] of Object.entries(raw.exports)) {
            for (const file of typeof target === "string" ? [target] : [target.types, target.default]) {
                assert.ok(files.includes(file.replace(/^\.\//, "")), `exports["${subpath}"] names ${file}, which the package does not hold`);
            }
        }
        assert.ok(files.includes(raw.main) && files.includes(raw.types), `main ${raw.main}, types ${raw.types}`);
    });

    it("loads at run time only its declared dependencies and its own modules; never the compiler", () => {
        const published = manifest(dist);
        const sourceTreeOnly = buildConfig().excluded;
        const problems: string[] = [];
        for (const file of files.filter((f) => f.endsWith(".js") && !f.startsWith("lambda/"))) {
            for (const specifier of requiresOf(fs.readFileSync(path.join(dist, file), "utf8"))) {
                if (specifier.startsWith(".")) {
                    const target = path.posix.join(path.posix.dirname(file), specifier);
                    if (!files.includes(`${target}.js`) && !files.includes(`${target}/index.js`) && !sourceTreeOnly.includes(target)) {
                        problems.push(`${file} requires ${specifier}, which the package does not hold`);
                    }
                } else if (!isProvided(specifier, published)) {
                    problems.push(`${file} requires ${specifier}, which the package does not declare`);
                }
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(!isProvided("typescript", published));
        // The handlers import each other and what the Lambda runtime provides (the AWS SDK), nothing else.
        for (const file of files.filter((f) => f.startsWith("lambda/"))) {
            for (const specifier of requiresOf(fs.readFileSync(path.join(dist, file), "utf8"))) {
                assert.ok(specifier.startsWith("./") || specifier.startsWith("@aws-sdk/") || specifier.startsWith("node:"), `${file} requires ${specifier}`);
            }
        }
    });

    it("would upload exactly these files with `npm publish --dry-run`, as the package's name and version", () => {
        const report = publishDryRun(dist, COMPONENTS_PACKAGE);
        assert.ok(report, `npm publish --dry-run reported nothing for ${COMPONENTS_PACKAGE}`);
        const published = manifest(dist);
        assert.equal(report.id, `${published.name}@${published.version}`);
        assert.deepEqual(report.files.map((f) => f.path).sort(), expectedFiles());
    });

    describe("installed from its tarball into an empty Pulumi program", () => {
        let program: string;
        before(() => {
            program = fs.mkdtempSync(path.join(os.tmpdir(), "components-user-"));
            for (const file of ["Pulumi.yaml", "index.ts", ...URN_STACKS.map((s) => `Pulumi.${s.base}.yaml`)]) {
                fs.copyFileSync(path.join(ROOT, file), path.join(program, file));
            }
            // The processor's Docker build context, which ProcessorTask builds from by default ("./app").
            for (const file of buildContextFiles(path.join(ROOT, "app"))) {
                fs.mkdirSync(path.dirname(path.join(program, "app", file)), { recursive: true });
                fs.copyFileSync(path.join(ROOT, "app", file), path.join(program, "app", file));
            }
            fs.writeFileSync(
                path.join(program, "tsconfig.json"),
                JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", module: "commonjs", moduleResolution: "node", types: ["node"], esModuleInterop: true }, files: ["index.ts"] }),
            );
            const installed = installComponents(program, ["@types/node"]);
            const user = { name: "user-program", private: true, dependencies: { [COMPONENTS_PACKAGE]: installed.version, "@pulumi/pulumi": installed.peerDependencies?.["@pulumi/pulumi"] } };
            fs.writeFileSync(path.join(program, "package.json"), JSON.stringify(user, null, 2));
        });
        after(() => fs.rmSync(program, { recursive: true, force: true }));

        it("imports the components by package name only", () => {
            const imports = [...fs.readFileSync(path.join(program, "index.ts"), "utf8").matchAll(/from "([^"]+)"/g)].map((m) => m[1]).sort();
            assert.deepEqual(imports, ["@pulumi/pulumi", COMPONENTS_PACKAGE]);
        });

        it("type-checks against the package's declarations, as `pulumi up` does", () => {
            const tsc = typeCheck(program, "components-user-program", [COMPONENTS_PACKAGE]);
            assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
        });

        for (const spec of URN_STACKS) {
            it(`creates the same resources with the same inputs as this repository's program, for the ${spec.stack} stack`, async () => {
                const installed = runInOwnProcess(program, spec, URN_STACKS);
                const ours = await ourResources(spec);
                assert.deepEqual(installed.map((r) => r.urn), ours.map((r) => r.urn));
                assert.deepEqual(installed, ours);
                // The functions deploy the handlers' JavaScript from the package.
                for (const fn of installed.filter((r) => r.type === "aws:lambda/function:Function")) {
                    const archive = (fn.inputs as { code: { archive: Record<string, { text: string }> } }).code.archive;
                    const handler = LAMBDA_HANDLERS.find((h) => fs.existsSync(path.join(dist, "lambda", h, "handler.js")) && fs.readFileSync(path.join(dist, "lambda", h, "handler.js"), "utf8") === archive["handler.js"]?.text);
                    assert.ok(handler, `${fn.name} deploys a handler the package does not hold`);
                    assert.deepEqual(Object.keys(archive), fs.readdirSync(path.join(dist, "lambda", handler)).sort());
                }
            });
        }
    });

    describe("this repository's program from a fresh clone after `npm ci`, before anything is built", () => {
        let clone: string;
        before(() => {
            clone = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-clone-"));
            for (const file of execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter((f) => f !== "")) {
                fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
                fs.copyFileSync(path.join(ROOT, file), path.join(clone, file));
            }
            // What `npm ci` installs: the registry's packages, and each workspace linked to its folder.
            const nodeModules = path.join(clone, "node_modules");
            const workspaces = new Map(
                (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { workspaces: string[] }).workspaces.map((w) => [manifest(path.join(ROOT, w)).name, w]),
            );
            for (const entry of fs.readdirSync(path.join(ROOT, "node_modules"))) {
                const scoped = entry.startsWith("@") ? fs.readdirSync(path.join(ROOT, "node_modules", entry)).map((n) => `${entry}/${n}`) : [entry];
                for (const name of scoped.filter((n) => !n.startsWith("."))) {
                    const link = path.join(nodeModules, name);
                    fs.mkdirSync(path.dirname(link), { recursive: true });
                    const workspace = workspaces.get(name);
                    fs.symlinkSync(workspace ? path.relative(path.dirname(link), path.join(clone, workspace)) : path.join(ROOT, "node_modules", name), link, "dir");
                }
            }
        });
        after(() => fs.rmSync(clone, { recursive: true, force: true }));

        it("holds no build output: the program runs the library from its sources", () => {
            assert.ok(!fs.existsSync(path.join(clone, "components", "dist")));
            assert.equal(fs.realpathSync(path.join(clone, "node_modules", COMPONENTS_PACKAGE)), fs.realpathSync(path.join(clone, "components")));
        });

        // `npm run typecheck` (the first step of `npm test`, in CI on a fresh clone) type-checks these files with this
        // tsconfig.json; what could make the clone differ is where the package name leads, so that is checked here.
        it("resolves the package name to the library's TypeScript sources, as `pulumi up` type-checks them (the project's typescript)", () => {
            const config = ts.getParsedCommandLineOfConfigFile(path.join(clone, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) });
            assert.ok(config && config.errors.length === 0, "tsconfig.json parses");
            const { resolvedModule } = ts.resolveModuleName(COMPONENTS_PACKAGE, path.join(clone, "index.ts"), config.options, ts.sys);
            assert.ok(resolvedModule, `${COMPONENTS_PACKAGE} resolves from index.ts`);
            assert.equal(fs.realpathSync(resolvedModule.resolvedFileName), fs.realpathSync(path.join(clone, "components", "index.ts")));
            assert.ok(config.fileNames.includes(path.join(clone, "index.ts").split(path.sep).join("/")), "the program's tsconfig.json includes index.ts");
        });

        const cloneStacks = URN_STACKS.filter((s) => s.stack === "dev" || s.stack === "lambda");
        for (const spec of cloneStacks) {
            it(`creates this repository's resources for the ${spec.stack} stack, the Lambda code transpiled from the sources`, async () => {
                assert.deepEqual(runInOwnProcess(clone, spec, cloneStacks), await ourResources(spec));
            });
        }
    });
});
