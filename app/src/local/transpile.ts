/**
 * TypeScript to plain JavaScript, once, for code that runs as child processes on bare `node`: the
 * local pipeline's processors and the benchmark's measurement children. Running them through
 * ts-node would load the TypeScript compiler into every child (hundreds of milliseconds of CPU and
 * tens of MiB each). The output mirrors the repository's layout; bare-specifier imports (the AWS
 * SDK, papaparse, …) resolve through NODE_PATH (childNodePath).
 */

import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

const COMPILER_OPTIONS: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
    sourceMap: false,
};

function resolveRelative(fromFile: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(fromFile), spec);
    const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")];
    if (base.endsWith(".js")) candidates.unshift(base.slice(0, -3) + ".ts");
    for (const c of candidates) {
        if (/\.(tsx?|json|js)$/.test(c) && fs.existsSync(c) && fs.statSync(c).isFile()) {
            return c;
        }
    }
    return undefined;
}

/**
 * Transpiles `entries` (absolute .ts paths under `root`) and their relative imports into `outDir`.
 * Returns the output path of each entry. Missing relative imports are left for `require` to report at run time.
 */
export function transpileTree(root: string, entries: readonly string[], outDir: string): Map<string, string> {
    const outputs = new Map<string, string>();
    const queue = [...entries];
    const seen = new Set<string>();
    while (queue.length > 0) {
        const file = queue.pop()!;
        if (seen.has(file)) continue;
        seen.add(file);
        const rel = path.relative(root, file);
        if (rel.startsWith("..")) throw new Error(`${file} is outside ${root}`);
        const isTs = file.endsWith(".ts") || file.endsWith(".tsx");
        const out = path.join(outDir, isTs ? rel.replace(/\.tsx?$/, ".js") : rel);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        const source = fs.readFileSync(file, "utf8");
        if (!isTs) {
            fs.writeFileSync(out, source);
        } else {
            const js = ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName: file }).outputText;
            fs.writeFileSync(out, js);
            for (const imported of ts.preProcessFile(source, true, true).importedFiles) {
                if (!imported.fileName.startsWith(".")) continue;
                const resolved = resolveRelative(file, imported.fileName);
                if (resolved !== undefined) queue.push(resolved);
            }
        }
        outputs.set(file, out);
    }
    return outputs;
}

/** NODE_PATH for the children: the repository's node_modules (and the app's, if it has one). */
export function childNodePath(root: string): string {
    return [path.join(root, "app", "node_modules"), path.join(root, "node_modules")].join(path.delimiter);
}
