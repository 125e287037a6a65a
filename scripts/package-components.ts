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
 *
 * The folder is written under a temporary name and renamed when complete, so a failed build never leaves
 * a partial components/dist behind.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { transpileLambdaSources } from "../components/lambda-build";
import { LAMBDA_HANDLERS } from "../components/lambda-code";

const ROOT = path.resolve(__dirname, "..");
export const COMPONENTS_DIR = path.join(ROOT, "components");
export const DIST_DIR = path.join(COMPONENTS_DIR, "dist");

/** What a consumer imports, by subpath: the module (without extension) each one loads. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
    ".": "index",
    "./builders": "builders/index",
    "./cross-language": "cross-language/index",
};

/** The manifest fields kept from components/package.json. */
const KEPT = ["name", "version", "description", "license", "keywords", "homepage", "repository", "engines", "dependencies", "peerDependencies"] as const;

export type Manifest = Record<string, unknown> & { name: string; version: string };

/**
 * The published manifest: the workspace manifest's identity and dependencies, the entry points, and the
 * files list. The workspace manifest is `private` so that only this one is ever published.
 */
export function publishManifest(workspace: Manifest): Manifest {
    const out: Record<string, unknown> = {};
    for (const key of KEPT) {
        if (workspace[key] !== undefined) {
            out[key] = workspace[key];
        }
    }
    const exportsMap: Record<string, unknown> = {};
    for (const [subpath, module] of Object.entries(ENTRY_POINTS)) {
        exportsMap[subpath] = { types: `./${module}.d.ts`, default: `./${module}.js` };
    }
    exportsMap["./package.json"] = "./package.json";
    return {
        ...(out as Manifest),
        main: `${ENTRY_POINTS["."]}.js`,
        types: `${ENTRY_POINTS["."]}.d.ts`,
        exports: exportsMap,
        files: ["*.js", "*.d.ts", "builders/", "cross-language/", "lambda/", "CHANGELOG.md"],
        // A scoped package is private on the registry unless published as public.
        publishConfig: { access: "public" },
    };
}

/** Compiles the library with its tsconfig.build.json into `outDir`; throws with every diagnostic on a type error. */
function compile(outDir: string): void {
    const configFile = path.join(COMPONENTS_DIR, "tsconfig.build.json");
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) {
        throw new Error(ts.formatDiagnostic(read.error, formatHost));
    }
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, COMPONENTS_DIR, { outDir }, configFile);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
    if (diagnostics.length > 0 || emitted.emitSkipped) {
        throw new Error(`components: the build failed\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
    }
}

const formatHost: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
};

/** Builds the package into `outDir` (components/dist unless told otherwise); returns its path. */
export function buildComponents(outDir: string = DIST_DIR): string {
    const partial = `${outDir}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    try {
        compile(partial);
        for (const handler of LAMBDA_HANDLERS) {
            const dir = path.join(partial, "lambda", handler);
            fs.mkdirSync(dir, { recursive: true });
            for (const [file, text] of Object.entries(transpileLambdaSources(path.join(ROOT, "app", "src", handler)))) {
                fs.writeFileSync(path.join(dir, file), text);
            }
        }
        const workspace = JSON.parse(fs.readFileSync(path.join(COMPONENTS_DIR, "package.json"), "utf8")) as Manifest;
        fs.writeFileSync(path.join(partial, "package.json"), `${JSON.stringify(publishManifest(workspace), null, 2)}\n`);
        fs.copyFileSync(path.join(COMPONENTS_DIR, "README.md"), path.join(partial, "README.md"));
        fs.copyFileSync(path.join(ROOT, "CHANGELOG.md"), path.join(partial, "CHANGELOG.md"));
        fs.rmSync(outDir, { recursive: true, force: true });
        fs.renameSync(partial, outDir);
        return outDir;
    } finally {
        fs.rmSync(partial, { recursive: true, force: true });
    }
}

if (require.main === module) {
    try {
        const dir = buildComponents();
        console.log(`${path.relative(process.cwd(), dir)}: built; pack it with npm pack ${path.relative(process.cwd(), dir)}`);
    } catch (e) {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    }
}
