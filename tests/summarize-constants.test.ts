import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import ts from "typescript";
import { compilerOptions, transpiledJavaScript } from "../app/src/transpile";

const APP = path.join(__dirname, "..", "app");
const SUMMARIZE = path.join(APP, "src", "processor", "summarize");

/** Every .ts file under dir that compiles to JavaScript (the summariser and its Parquet reader; no .d.ts). */
function sources(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [path.join(dir, e.name)] : []));
}

/** The image's compiler options (app/tsconfig.json: `npm run build` compiles the processor with tsc to CommonJS). */
function imageCompilerOptions(): ts.CompilerOptions {
    const file = path.join(APP, "tsconfig.json");
    const config = ts.readConfigFile(file, ts.sys.readFile);
    assert.equal(config.error, undefined);
    const { module, target, esModuleInterop } = ts.parseJsonConfigFileContent(config.config, ts.sys, APP).options;
    return { module, target, esModuleInterop };
}

/**
 * The places in CommonJS output where a constant (an UPPER_CASE name) is read from a module's exports object: another
 * module's (`scan_state_1.QUOTE`) or the module's own (`exports.K_EMPTY` in a function). Such a field is written twice
 * (`exports.X = void 0` first), so V8 cannot treat it as a constant: every use is a property load.
 */
export function exportReads(js: string): string[] {
    const out: string[] = [];
    js.split("\n").forEach((line, i) => {
        // The module's own export assignments (`exports.A = exports.B = void 0;`, `exports.A = A;`) are writes, and a
        // re-export (`export { A } from "./a"`) is a getter for other modules.
        if (/^exports\.[\w$]+ = /.test(line) || line.startsWith("Object.defineProperty(exports, ")) {
            return;
        }
        for (const m of line.matchAll(/\b(?:[\w$]+_\d+|exports)\.([A-Z][A-Z0-9_]*)\b/g)) {
            out.push(`line ${i + 1}: ${m[0]}`);
        }
    });
    return out;
}

describe("the summariser's constants", () => {
    it("finds a constant read from an exports object in CommonJS output, and not a module's own export assignments", () => {
        const js = ts.transpileModule(
            'import { QUOTE } from "./scan-state";\nexport const K_A = 1;\nexport function f(x: number): number { return x === QUOTE ? K_A : 0; }\n',
            { compilerOptions: imageCompilerOptions() },
        ).outputText;
        assert.deepEqual(
            exportReads(js).map((r) => r.replace(/^line \d+: /, "")),
            ["scan_state_1.QUOTE", "exports.K_A"],
        );
        const local = ts.transpileModule(
            'import * as scan from "./scan-state";\nconst { QUOTE } = scan;\nconst K_A = 1;\nexport { K_A };\nexport function f(x: number): number { return x === QUOTE ? K_A : 0; }\n',
            { compilerOptions: imageCompilerOptions() },
        ).outputText;
        assert.deepEqual(exportReads(local), []);
    });

    it("are read from module-local bindings, never from a module's exports object, as the image compiles them", () => {
        const options = imageCompilerOptions();
        assert.equal(options.module, ts.ModuleKind.CommonJS);
        // The processor's build (the local pipeline, worker threads) compiles as the image does; its cache has the output.
        const { sourceMap, ...built } = compilerOptions(ts);
        assert.deepEqual([built, sourceMap], [options, false]);
        const found = sources(SUMMARIZE).flatMap((file) => {
            const js = transpiledJavaScript(file);
            return exportReads(js).map((r) => `${path.relative(SUMMARIZE, file)} ${r}`);
        });
        assert.deepEqual(
            found,
            [],
            "bind an imported constant in the module (`import * as scan from \"./scan-state\"; const { QUOTE } = scan;`), and export a module's own " +
                "constants with an `export { … }` list of plain consts (see scan-state.ts)",
        );
    });
});
