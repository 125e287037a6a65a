/**
 * Transpiles the Lambda handlers' TypeScript sources (app/src/trigger, app/src/notifier) to the CommonJS
 * the Node.js runtime loads. The package build runs it once, so the published package holds the
 * JavaScript and needs no compiler; in this repository's source tree `lambdaCode` runs it on the fly.
 * Both go through the repository's transpile cache (app/src/transpile.ts: CommonJS, ES2022, as the
 * processor's image compiles), which loads the compiler only for a source it has not seen: building a
 * stack with a Lambda function then costs no compiler load in every process that does it.
 * Not part of the published package.
 */
import * as fs from "fs";
import * as path from "path";
import { transpiledJavaScript } from "../app/src/transpile";

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
    return Object.fromEntries(files.map((file) => [file.replace(/\.ts$/, ".js"), transpiledJavaScript(path.join(sourceDir, file))]));
}
