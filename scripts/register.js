/**
 * Runs the repository's TypeScript, transpiled once: the npm scripts (`npm run demo`, `npm run policy`, …), the
 * tests, and every process the tests start.
 *
 * `node -r ./scripts/register.js file.ts` (and mocha's `require`) load `.ts` files as ts-node's
 * transpile-only mode does (TypeScript's own `transpileModule`, the compiler options of tsconfig.json,
 * no type checking: `npm run typecheck` does that), with two differences that make a start cheap:
 * - the JavaScript is kept in node_modules/.cache/ts-transpile, keyed by the source, its file name,
 *   the options and the compiler's version, so a file is transpiled once for all the processes of a
 *   run and for later runs, instead of once in every process that loads it (a copy of a file in a
 *   temporary folder finds its original's entry: the inline source map names the file relative to itself);
 * - the compiler itself is loaded only on a cache miss, so a process whose files are all cached
 *   starts as fast as plain node.
 * Stack traces name .ts lines: each transpiled file carries an inline source map, and `Error.prepareStackTrace`
 * maps the frames in those files (and only those) through it. Node's own source-map support is off: it reads and
 * parses the source map of every package module that names one (the Pulumi SDK's do) and maps every frame of every
 * stack, and the Pulumi SDK takes a stack for each promise it makes, so it cost a third of a stack test's CPU time.
 * Those promise stacks are taken with no frames unless they can be printed (withoutUnreadStacks), and the
 * compiler and npm's Arborist, which the Pulumi runtime loads at start for closure serialization, are loaded only if
 * used (loadOnFirstUse, withArboristOnFirstUse).
 * Cache entries are written to a temporary name and renamed, so concurrent processes never read a
 * partial file.
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { SourceMap } = require("module");

const ROOT = path.resolve(__dirname, "..");
const CACHE = path.join(ROOT, "node_modules", ".cache", "ts-transpile");
const TS_VERSION = require("typescript/package.json").version;
// The emit options of tsconfig.json ("strict" makes every module strict, as tsc does).
const COMPILER_OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true, strict: true, inlineSourceMap: true, inlineSources: false };
const OPTIONS_KEY = JSON.stringify([TS_VERSION, COMPILER_OPTIONS]);

let ts;
let options;

function transpile(source, filename) {
    if (ts === undefined) {
        ts = require("typescript");
        const converted = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, ROOT);
        if (converted.errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(converted.errors[0].messageText, "\n"));
        options = converted.options;
    }
    const out = ts.transpileModule(source, { compilerOptions: options, fileName: filename, reportDiagnostics: true });
    const syntax = (out.diagnostics || []).find((d) => d.category === ts.DiagnosticCategory.Error);
    if (syntax !== undefined) {
        const { line, character } = syntax.file.getLineAndCharacterOfPosition(syntax.start);
        throw new SyntaxError(`${filename}:${line + 1}:${character + 1}: ${ts.flattenDiagnosticMessageText(syntax.messageText, "\n")}`);
    }
    return out.outputText;
}

/** The JavaScript of each .ts file loaded, by file name, and its source map once a stack needs it. */
const loaded = new Map();
const sourceMaps = new Map();
const INLINE_MAP = "//# sourceMappingURL=data:application/json;base64,";

function sourceMapOf(filename) {
    let map = sourceMaps.get(filename);
    if (map === undefined) {
        const js = loaded.get(filename);
        const at = js.lastIndexOf(INLINE_MAP);
        try {
            map = at < 0 ? null : new SourceMap(JSON.parse(Buffer.from(js.slice(at + INLINE_MAP.length).trim(), "base64").toString("utf8")));
        } catch {
            // A map that cannot be read: the file's frames are written as V8 writes them.
            map = null;
        }
        sourceMaps.set(filename, map);
    }
    return map;
}

/** A frame as V8 writes it, with the position in a transpiled file replaced by the one in its TypeScript source. */
function frame(site) {
    const text = String(site);
    const file = site.getFileName();
    if (file === undefined || file === null || !loaded.has(file)) {
        return text;
    }
    const line = site.getLineNumber();
    const column = site.getColumnNumber();
    const entry = sourceMapOf(file)?.findEntry(line - 1, column - 1);
    if (entry === undefined || entry.originalLine === undefined) {
        return text;
    }
    const generated = `${file}:${line}:${column}`;
    const at = text.lastIndexOf(generated);
    return at < 0 ? text : `${text.slice(0, at)}${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(at + generated.length)}`;
}

Error.prepareStackTrace = function prepareStackTrace(error, sites) {
    let head;
    try {
        head = Error.prototype.toString.call(error);
    } catch {
        head = "Error";
    }
    if (sites.length === 0) {
        return head;
    }
    return `${head}\n    at ${sites.map(frame).join("\n    at ")}`;
};

/** The Pulumi SDK's module that takes a stack for every promise it makes (debuggablePromise). */
const PULUMI_DEBUGGABLE = path.join("@pulumi", "pulumi", "runtime", "debuggable.js");

/**
 * The Pulumi SDK takes a stack (`new Error().stack`) for every promise it makes, and reads it only to print a
 * promise still pending when the process exits, with PULUMI_DEBUG_PROMISE_LEAKS (its `debugPromiseLeaks`). Without
 * that switch, the stack is taken with no frames: taking them cost the unit tier about 1.4 of its 17 CPU seconds.
 */
function withoutUnreadStacks(debuggable) {
    const track = debuggable.debuggablePromise;
    debuggable.debuggablePromise = function debuggablePromise(p, ctx) {
        if (debuggable.debugPromiseLeaks) {
            return track(p, ctx);
        }
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return track(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

/** How Node loads a .js file (the hook below calls it). */
const loadJavaScript = require.extensions[".js"];

/** The Pulumi SDK's module that loads the TypeScript compiler for closure serialization, when its runtime loads. */
const PULUMI_TYPESCRIPT_SHIM = path.join("@pulumi", "pulumi", "typescript-shim.js");

/**
 * `module`'s exports, loaded from `filename` on first use: the Pulumi runtime loads the compiler (about 0.17 CPU s)
 * at start to serialize functions as Lambda code (`pulumi.runtime.serializeFunction`), which this project never does.
 */
function loadOnFirstUse(module, filename) {
    let real;
    const exports = () => {
        if (real === undefined) {
            const inner = new module.constructor(filename, module);
            inner.filename = filename;
            inner.paths = module.paths;
            loadJavaScript(inner, filename);
            real = inner.exports;
        }
        return real;
    };
    module.exports = new Proxy(
        {},
        {
            get: (_, key) => Reflect.get(exports(), key),
            has: (_, key) => Reflect.has(exports(), key),
            ownKeys: () => Reflect.ownKeys(exports()),
            // Reported configurable: the stand-in object holds none of them (a proxy may not report otherwise).
            getOwnPropertyDescriptor: (_, key) => {
                const found = Reflect.getOwnPropertyDescriptor(exports(), key);
                return found && { ...found, configurable: true };
            },
        },
    );
}

/** The Pulumi SDK's module that finds the packages a serialized function needs, with npm's Arborist. */
const PULUMI_CODE_PATHS = path.join("@pulumi", "pulumi", "runtime", "closure", "codePaths.js");

/**
 * The Pulumi runtime loads npm's Arborist (and pacote, sigstore and the rest of npm's install machinery) at start, for
 * `computeCodePaths`: packaging the dependencies of a function serialized as Lambda code, which this project never
 * does. That was about half of what loading the SDK cost (0.50 CPU s against 0.24). `codePaths.js` gets, for
 * `@npmcli/arborist`, an object whose `Arborist` (the only member it uses) loads the package when first constructed.
 */
function withArboristOnFirstUse(module) {
    const required = module.require;
    let arborist;
    const lazy = {
        Arborist: function Arborist(...args) {
            arborist ??= required.call(module, "@npmcli/arborist");
            return new arborist.Arborist(...args);
        },
    };
    module.require = function require(id) {
        return id === "@npmcli/arborist" ? lazy : required.call(this, id);
    };
}

require.extensions[".js"] = function loadJavaScriptFile(module, filename) {
    if (filename.endsWith(PULUMI_TYPESCRIPT_SHIM)) {
        loadOnFirstUse(module, filename);
        return;
    }
    if (filename.endsWith(PULUMI_CODE_PATHS)) {
        withArboristOnFirstUse(module);
    }
    loadJavaScript(module, filename);
    if (filename.endsWith(PULUMI_DEBUGGABLE)) {
        withoutUnreadStacks(module.exports);
    }
};

function compile(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto.createHash("sha256").update(OPTIONS_KEY).update("\0").update(path.basename(filename)).update("\0").update(source).digest("hex");
    const cached = path.join(CACHE, key.slice(0, 2), `${key.slice(2)}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch (e) {
        if (e.code !== "ENOENT") throw e;
    }
    const js = transpile(source, filename);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const partial = `${cached}.${process.pid}.${crypto.randomBytes(4).toString("hex")}`;
    fs.writeFileSync(partial, js);
    fs.renameSync(partial, cached);
    return js;
}

/**
 * Fills the cache for `files` (absolute .ts paths) in this process, so that the processes started after it
 * find every file there instead of each loading the compiler and transpiling the same files. A file that
 * does not parse is left for the process that loads it to report.
 */
function warmCache(files) {
    for (const filename of files) {
        try {
            compile(filename);
        } catch {
            // Reported where the file is loaded.
        }
    }
}

exports.warmCache = warmCache;

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    const js = compile(filename);
    loaded.set(filename, js);
    module._compile(js, filename);
};
