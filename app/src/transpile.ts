/**
 * TypeScript to plain JavaScript, once, for code that runs as child processes on bare `node`: the
 * local pipeline's processors and the benchmark's measurement children. Running them through
 * ts-node would load the TypeScript compiler into every child (hundreds of milliseconds of CPU and
 * tens of MiB each). The output mirrors the repository's layout; bare-specifier imports (the AWS
 * SDK, papaparse, …) resolve through NODE_PATH (childNodePath).
 *
 * Each file's JavaScript and relative imports are kept in node_modules/.cache/s3-fargate-pipeline,
 * keyed by its source, its extension and the compiler's version, so a later start (the next `npm run
 * demo`, the next test) copies instead of compiling and does not load the compiler at all.
 */

import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as TypeScript from "typescript";

let compiler: typeof TypeScript | undefined;

/** The compiler, loaded on the first file that is not in the cache. */
function typescript(): typeof TypeScript {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    compiler ??= require("typescript") as typeof TypeScript;
    return compiler;
}

interface Transpiled {
    js: string;
    /** The module specifiers the source imports by relative path. */
    imports: string[];
}

/** The options of every file transpiled here: the image's (app/tsconfig.json: `npm run build` for the container), less its source maps. */
export function compilerOptions(ts: typeof TypeScript): TypeScript.CompilerOptions {
    return { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false };
}

function transpileFile(source: string, file: string): Transpiled {
    const ts = typescript();
    return {
        js: ts.transpileModule(source, { compilerOptions: compilerOptions(ts), fileName: file }).outputText,
        imports: ts.preProcessFile(source, true, true).importedFiles.map((i) => i.fileName).filter((f) => f.startsWith(".")),
    };
}

/** The compiler's package.json: its version keys the cache, which lives in the node_modules that holds it. */
const COMPILER_PACKAGE = require.resolve("typescript/package.json");
const COMPILER_VERSION = (JSON.parse(fs.readFileSync(COMPILER_PACKAGE, "utf8")) as { version: string }).version;
const CACHE = path.join(path.dirname(path.dirname(COMPILER_PACKAGE)), ".cache", "s3-fargate-pipeline", "transpile");

/** `transpileFile` through the cache; a write is a rename, so concurrent starts never read half an entry. */
function cachedTranspile(source: string, file: string): Transpiled {
    const key = crypto.createHash("sha256").update(`${COMPILER_VERSION}\0${path.extname(file)}\0${source}`).digest("hex");
    const entry = path.join(CACHE, `${key}.json`);
    try {
        return JSON.parse(fs.readFileSync(entry, "utf8")) as Transpiled;
    } catch {
        const out = transpileFile(source, file);
        try {
            fs.mkdirSync(path.dirname(entry), { recursive: true });
            const partial = `${entry}.${process.pid}.tmp`;
            fs.writeFileSync(partial, JSON.stringify(out));
            fs.renameSync(partial, entry);
        } catch {
            // A read-only or missing node_modules: compile every time.
        }
        return out;
    }
}

/** The JavaScript `transpileTree` writes for `file` (an absolute .ts path), through the cache. */
export function transpiledJavaScript(file: string): string {
    return cachedTranspile(fs.readFileSync(file, "utf8"), file).js;
}

/** Fills the cache for `files` (absolute .ts paths), so that later builds of trees that hold them only copy. */
export function warmTranspileCache(files: readonly string[]): void {
    for (const file of files) {
        cachedTranspile(fs.readFileSync(file, "utf8"), file);
    }
}

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
            const { js, imports } = cachedTranspile(source, file);
            fs.writeFileSync(out, js);
            for (const imported of imports) {
                const resolved = resolveRelative(file, imported);
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

const workerBuilds = new Map<string, string>();

/**
 * A worker thread's (or a child process's) script when the code runs from TypeScript sources (tests, the bench's parent, `ts-node`):
 * `entry` and what it imports, transpiled once per process into a temporary folder (removed when the process
 * exits) that links this repository's node_modules, so the worker starts on plain JavaScript with no loader.
 */
export function transpiledWorker(entry: string): string {
    let out = workerBuilds.get(entry);
    if (out === undefined || !fs.existsSync(out)) {
        const root = path.resolve(__dirname, "..", "..");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-"));
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        fs.symlinkSync(path.join(root, "node_modules"), path.join(dir, "node_modules"), "dir");
        out = transpileTree(root, [entry], dir).get(entry) as string;
        workerBuilds.set(entry, out);
    }
    return out;
}
