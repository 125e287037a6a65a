/**
 * Transpiles the Lambda handlers' TypeScript sources (app/src/trigger, app/src/notifier) to the CommonJS
 * the Node.js runtime loads. The package build runs it once, so the published package holds the
 * JavaScript and needs no compiler; in this repository's source tree `lambdaCode` runs it on the fly.
 * Not part of the published package (it loads `typescript`).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

/** How the Lambda functions' TypeScript sources are transpiled: CommonJS for the Node.js runtime. */
export const LAMBDA_COMPILER_OPTIONS: ts.CompilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
};

/** Each source's JavaScript, by file name and source text: a program (or a test run) that builds several stacks transpiles a source once. */
const transpiled = new Map<string, string>();

/**
 * The `.ts` files of one directory (not its subdirectories, not `.d.ts`), each transpiled on its own
 * to CommonJS, by output name (`handler.ts` → `handler.js`), in name order. The sources may import
 * each other (`./format`) and the AWS SDK the Lambda runtime provides, nothing else.
 */
export function transpileLambdaSources(sourceDir: string): Record<string, string> {
    const files = fs
        .readdirSync(sourceDir)
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && fs.statSync(path.join(sourceDir, f)).isFile())
        .sort();
    if (files.length === 0) {
        throw new Error(`${sourceDir}: no TypeScript sources to package for Lambda`);
    }
    const out: Record<string, string> = {};
    for (const file of files) {
        const source = fs.readFileSync(path.join(sourceDir, file), "utf8");
        const key = `${file}\0${source}`;
        let js = transpiled.get(key);
        if (js === undefined) {
            js = ts.transpileModule(source, { compilerOptions: LAMBDA_COMPILER_OPTIONS, fileName: file }).outputText;
            transpiled.set(key, js);
        }
        out[file.replace(/\.ts$/, ".js")] = js;
    }
    return out;
}
