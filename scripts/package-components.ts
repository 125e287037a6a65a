/**
 * Builds the component library into components/dist, the folder `npm pack` and `npm publish` take:
 *
 *   - the components, the builders and the cross-language components compiled to CommonJS with
 *     declaration files (components/tsconfig.build.json);
 *   - each Lambda handler's JavaScript under lambda/<handler>/, so deploying needs no compiler;
 *   - package.json: the workspace manifest (components/package.json: name, version, dependencies) with
 *     the entry points (`main`, `types`, the `exports` map) and the files to publish;
 *   - README.md (components/README.md) and the repository's CHANGELOG.md.
 *
 *   npm run build:components && npm pack ./components/dist
 */
import * as fs from "fs";
import * as path from "path";
import { transpileLambdaSources } from "../components/lambda-build";
import { LAMBDA_HANDLERS } from "../components/lambda-code";
import { Layout, ROOT, buildAtomically, buildCommand, compile, publishManifest, readManifest, writeManifest } from "./packaging";

export const COMPONENTS_DIR = path.join(ROOT, "components");
export const DIST_DIR = path.join(COMPONENTS_DIR, "dist");

export const LAYOUT: Layout = {
    entryPoints: { ".": "index", "./builders": "builders/index", "./cross-language": "cross-language/index" },
    files: ["*.js", "*.d.ts", "builders/", "cross-language/", "lambda/", "CHANGELOG.md"],
};

/** Builds the package into `outDir` (components/dist unless told otherwise); returns its path. */
export function buildComponents(outDir: string = DIST_DIR): string {
    return buildAtomically(outDir, (dir) => {
        compile(path.join(COMPONENTS_DIR, "tsconfig.build.json"), dir);
        for (const handler of LAMBDA_HANDLERS) {
            const handlerDir = path.join(dir, "lambda", handler);
            fs.mkdirSync(handlerDir, { recursive: true });
            for (const [file, text] of Object.entries(transpileLambdaSources(path.join(ROOT, "app", "src", handler)))) {
                fs.writeFileSync(path.join(handlerDir, file), text);
            }
        }
        writeManifest(dir, publishManifest(readManifest(COMPONENTS_DIR), LAYOUT));
        fs.copyFileSync(path.join(COMPONENTS_DIR, "README.md"), path.join(dir, "README.md"));
        fs.copyFileSync(path.join(ROOT, "CHANGELOG.md"), path.join(dir, "CHANGELOG.md"));
    });
}

if (require.main === module) {
    buildCommand(() => buildComponents());
}
