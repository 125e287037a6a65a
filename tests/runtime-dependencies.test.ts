/**
 * `pulumi up` runs index.ts in whatever environment installed the project, possibly with
 * `npm ci --omit=dev`. Everything the program loads at run time (followed from index.ts through
 * its relative imports) must then be a dependency, not a devDependency; the compiler and Node's
 * typings too, because Pulumi's Node.js language host type-checks the program with the project's
 * `typescript` (falling back to an old bundled one) unless PULUMI_NODEJS_TRANSPILE_ONLY is set.
 * The program's tsconfig.json names no test typings; tests/tsconfig.json adds them, and
 * `npm run typecheck` checks both.
 */
import { strict as assert } from "assert";
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "./mocks";

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
};

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** What a file requires once compiled (type-only imports are erased, as at run time). */
function runtimeRequires(file: string): string[] {
    const js = ts.transpileModule(fs.readFileSync(file, "utf8"), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: file,
    }).outputText;
    return [...js.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
}

function resolveRelative(from: string, specifier: string): string {
    const base = path.resolve(path.dirname(from), specifier);
    const candidate = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
    assert.ok(candidate, `${path.relative(ROOT, from)} imports ${specifier}, which is not a TypeScript file`);
    return candidate;
}

/** Every package the program loads, by the file that loads it first, following relative imports from `entry`. */
function programPackages(entry: string): Map<string, string> {
    const packages = new Map<string, string>();
    const seen = new Set<string>();
    const pending = [entry];
    while (pending.length > 0) {
        const file = pending.pop() as string;
        if (seen.has(file)) {
            continue;
        }
        seen.add(file);
        for (const specifier of runtimeRequires(file)) {
            if (specifier.startsWith(".")) {
                pending.push(resolveRelative(file, specifier));
            } else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier.split("/")[0])) {
                const name = packageName(specifier);
                if (!packages.has(name)) {
                    packages.set(name, path.relative(ROOT, file));
                }
            }
        }
    }
    return packages;
}

describe("run-time dependencies of the Pulumi program", () => {
    const packages = programPackages(path.join(ROOT, "index.ts"));

    it("finds the program's imports, including the compiler that packages the Lambda code", () => {
        for (const expected of ["@pulumi/pulumi", "@pulumi/aws", "typescript"]) {
            assert.ok(packages.has(expected), `index.ts loads ${expected} (found ${[...packages.keys()].join(", ")})`);
        }
    });

    it("lists every package the program loads under dependencies, none only under devDependencies", () => {
        const missing = [...packages].filter(([name]) => manifest.dependencies[name] === undefined).map(([name, file]) => `${name} (loaded by ${file})`);
        assert.deepEqual(missing, []);
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
        const tests = ts.readConfigFile(path.join(ROOT, "tests", "tsconfig.json"), ts.sys.readFile).config as { extends: string; compilerOptions: { types: string[] } };
        assert.equal(tests.extends, "../tsconfig.json");
        assert.ok(tests.compilerOptions.types.includes("mocha"));
        assert.equal(manifest.scripts.typecheck, "tsc --noEmit && tsc --noEmit -p tests");
        assert.match(manifest.scripts.test, /^npm run typecheck && mocha/);
    });
});
