/**
 * What building a publishable package takes, shared by scripts/package-components.ts and
 * scripts/package-policy.ts: compiling a tsconfig into a folder, the published manifest (the workspace
 * manifest's identity and dependencies, with the entry points and the files to publish), and writing
 * the folder under a temporary name that is renamed only once it is complete.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..");

export type Manifest = Record<string, unknown> & { name: string; version: string };

/** The manifest fields kept from a workspace manifest. */
const KEPT = ["name", "version", "description", "license", "keywords", "homepage", "repository", "engines", "dependencies", "peerDependencies"] as const;

export interface Layout {
    /** What a consumer imports, by subpath (".", "./builders"…): the module, without extension, each one loads. */
    entryPoints: Record<string, string>;
    /** The package's files, as the manifest's `files` lists them. */
    files: string[];
    /** Commands the package installs, by name: the file each runs. */
    bin?: Record<string, string>;
}

/**
 * The published manifest: the workspace manifest's identity and dependencies, the entry points (`main`,
 * `types`, the `exports` map), the commands and the files. The workspace manifest is `private`, so that
 * only this one is ever published; a scoped package is private on the registry unless published as public.
 */
export function publishManifest(workspace: Manifest, layout: Layout): Manifest {
    const out: Record<string, unknown> = {};
    for (const key of KEPT) {
        if (workspace[key] !== undefined) {
            out[key] = workspace[key];
        }
    }
    const exportsMap: Record<string, unknown> = {};
    for (const [subpath, module] of Object.entries(layout.entryPoints)) {
        exportsMap[subpath] = { types: `./${module}.d.ts`, default: `./${module}.js` };
    }
    exportsMap["./package.json"] = "./package.json";
    return {
        ...(out as Manifest),
        main: `${layout.entryPoints["."]}.js`,
        types: `${layout.entryPoints["."]}.d.ts`,
        ...(layout.bin ? { bin: layout.bin } : {}),
        exports: exportsMap,
        files: layout.files,
        publishConfig: { access: "public" },
    };
}

const formatHost: ts.FormatDiagnosticsHost = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ROOT,
    getNewLine: () => "\n",
};

/** Compiles a tsconfig's files into `outDir`; throws with every diagnostic on a type error. */
export function compile(configFile: string, outDir: string): void {
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) {
        throw new Error(ts.formatDiagnostic(read.error, formatHost));
    }
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(configFile), { outDir }, configFile);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
    const emitted = program.emit();
    const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
    if (diagnostics.length > 0 || emitted.emitSkipped) {
        throw new Error(`${path.relative(ROOT, configFile)}: the build failed\n${ts.formatDiagnostics(diagnostics, formatHost)}`);
    }
}

/** Writes `outDir` with `fill` under a temporary name, then puts it in place of any previous one; returns `outDir`. */
export function buildAtomically(outDir: string, fill: (dir: string) => void): string {
    const partial = `${outDir}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    try {
        fill(partial);
        fs.rmSync(outDir, { recursive: true, force: true });
        fs.renameSync(partial, outDir);
        return outDir;
    } finally {
        fs.rmSync(partial, { recursive: true, force: true });
    }
}

export function readManifest(dir: string): Manifest {
    return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as Manifest;
}

export function writeManifest(dir: string, manifest: Manifest): void {
    fs.writeFileSync(path.join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Runs a build from the command line: prints where it went, or the error and exits 1. */
export function buildCommand(build: () => string): void {
    try {
        const dir = path.relative(process.cwd(), build());
        console.log(`${dir}: built; pack it with npm pack ${dir}`);
    } catch (e) {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    }
}
