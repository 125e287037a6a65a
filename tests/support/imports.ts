/**
 * What a TypeScript entry point loads at run time: the packages required by it and by every file it
 * reaches through relative imports, after compilation (type-only imports are erased, as at run time).
 * Dynamic `import()`s, and `require()` calls in a function's code, are loaded only when their code runs; they are
 * listed apart. And what a build reads of the repository: every file its sources reach, type-only imports included.
 */
import { strict as assert } from "assert";
import { builtinModules } from "module";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { transpiledJavaScript } from "../../app/src/transpile";

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
    const parts = specifier.split("/");
    return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** The specifiers a file requires once compiled (as the processor's build compiles it), static ones and dynamic ones apart. */
function requires(file: string): { static: string[]; dynamic: string[] } {
    const js = transpiledJavaScript(file);
    const out = { static: [] as string[], dynamic: [] as string[] };
    for (const line of js.split("\n")) {
        // What the compiler makes of an import statement: a require of its own at the start of a line.
        const atLoad = /^(?:(?:const|var|let) [\w$]+ = )?(?:__importStar\(|__importDefault\()?require\("[^"]+"\)\)?;$/.test(line);
        for (const m of line.matchAll(/\brequire\("([^"]+)"\)/g)) {
            (atLoad ? out.static : out.dynamic).push(m[1]);
        }
    }
    return out;
}

function resolveRelative(from: string, specifier: string, root: string): string {
    const base = path.resolve(path.dirname(from), specifier);
    const candidate = [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(f));
    assert.ok(candidate, `${path.relative(root, from)} imports ${specifier}, which is not a TypeScript file`);
    return candidate;
}

export interface LoadedPackages {
    /** Package → the first file (relative to `root`) that loads it when the entry point is loaded. */
    static: Map<string, string>;
    /** Packages reached only through a dynamic import somewhere on the way. */
    dynamic: Map<string, string>;
    /** The repository's files (relative to `root`) loaded when the entry point is loaded. */
    staticFiles: Set<string>;
}

export function packagesLoadedBy(entry: string, root: string): LoadedPackages {
    const result: LoadedPackages = { static: new Map(), dynamic: new Map(), staticFiles: new Set() };
    const seen = new Set<string>();
    const pending: { file: string; dynamic: boolean }[] = [{ file: entry, dynamic: false }];
    while (pending.length > 0) {
        const { file, dynamic } = pending.pop() as { file: string; dynamic: boolean };
        const id = `${dynamic}:${file}`;
        if (seen.has(id)) {
            continue;
        }
        seen.add(id);
        if (!dynamic) {
            result.staticFiles.add(path.relative(root, file));
        }
        const found = requires(file);
        for (const [specifier, isDynamic] of [...found.static.map((s) => [s, dynamic] as const), ...found.dynamic.map((s) => [s, true] as const)]) {
            if (specifier.startsWith(".")) {
                pending.push({ file: resolveRelative(file, specifier, root), dynamic: isDynamic });
            } else if (!specifier.startsWith("node:") && !builtinModules.includes(specifier.split("/")[0])) {
                const target = isDynamic ? result.dynamic : result.static;
                if (!target.has(packageName(specifier))) {
                    target.set(packageName(specifier), path.relative(root, file));
                }
            }
        }
    }
    for (const name of result.static.keys()) {
        result.dynamic.delete(name);
    }
    return result;
}

/**
 * The repository's files that `roots` reach through relative imports, type-only ones included (what the compiler
 * reads of the repository to build them), relative to `root`.
 */
export function filesReadFrom(roots: readonly string[], root: string): Set<string> {
    const read = new Set<string>();
    for (const pending = [...roots]; pending.length > 0; ) {
        const file = pending.pop() as string;
        if (read.has(file)) {
            continue;
        }
        read.add(file);
        for (const { fileName } of ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true).importedFiles) {
            if (fileName.startsWith(".")) {
                pending.push(resolveRelative(file, fileName, root));
            }
        }
    }
    return new Set([...read].map((f) => path.relative(root, f)));
}
