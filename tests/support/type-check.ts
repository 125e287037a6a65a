/**
 * `tsc -p <project> --noEmit` in a process of its own, incremental: tsc's build info (the hash of every
 * file it read, and what it found in each) is kept in node_modules/.cache/tsc, so a run whose files are
 * unchanged is not checked again, and a change is checked with what it affects. The paths in the build
 * info are relative to it, so it is copied into the project folder for the run (a temporary folder of
 * the same depth each time), and back once the check passes, under a temporary name that is renamed, so
 * concurrent runs never read a partial file.
 *
 * tsc itself still parses every file of the program before it can see that nothing changed (seconds,
 * with a provider's declarations among them), so when the build info of a passing check lists the same
 * root files, and every file it lists still has the hash it recorded (TypeScript's own file hash, as
 * `tsc -b` compares a file newer than its build info), the check is not run again: the result would be
 * the same. The cache entry's name carries a hash of the project's tsconfig.json and the compiler's
 * version, so a change to either checks again.
 */
import { SpawnSyncReturns, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { ROOT } from "../mocks";

const CACHE = path.join(ROOT, "node_modules", ".cache", "tsc");

/** What tsc writes as a file's version in its build info: TypeScript's hash of the text (an internal it exports at run time). */
const fileVersion = (ts as unknown as { getSourceFileVersionAsHashFromText?: (host: ts.System, text: string) => string }).getSourceFileVersionAsHashFromText;

interface BuildInfo {
    version?: string;
    fileNames?: string[];
    fileInfos?: (string | { version: string })[];
    root?: (number | [number, number])[];
    errors?: boolean;
    semanticDiagnosticsPerFile?: unknown[];
}

/** The root files a build info lists (ids from 1; a pair is a range), as absolute paths. */
function rootsOf(info: BuildInfo, dir: string): string[] {
    const ids = (info.root ?? []).flatMap((r) => (Array.isArray(r) ? Array.from({ length: r[1] - r[0] + 1 }, (_, i) => r[0] + i) : [r]));
    return ids.map((id) => path.resolve(dir, (info.fileNames ?? [])[id - 1] ?? "")).sort();
}

/**
 * Whether the passing check recorded in `buildInfo` (copied into `project`) still holds: the same compiler, the
 * same root files, no errors recorded, and every file tsc read unchanged.
 */
export function unchangedSince(buildInfo: string, project: string): boolean {
    if (fileVersion === undefined || !fs.existsSync(buildInfo)) {
        return false;
    }
    const info = JSON.parse(fs.readFileSync(buildInfo, "utf8")) as BuildInfo;
    const { fileNames, fileInfos } = info;
    if (info.version !== ts.version || info.errors === true || (info.semanticDiagnosticsPerFile ?? []).length > 0 || fileNames === undefined || fileInfos === undefined) {
        return false;
    }
    const config = ts.getParsedCommandLineOfConfigFile(path.join(project, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
    const dir = path.dirname(buildInfo);
    const roots = (config?.fileNames ?? []).map((f) => path.resolve(project, f)).sort();
    if (config === undefined || config.errors.length > 0 || JSON.stringify(roots) !== JSON.stringify(rootsOf(info, dir))) {
        return false;
    }
    return fileNames.every((name, i) => {
        const entry = fileInfos[i];
        const recorded = typeof entry === "string" ? entry : entry?.version;
        const file = path.resolve(dir, name);
        return recorded !== undefined && fs.existsSync(file) && fileVersion(ts.sys, fs.readFileSync(file, "utf8")) === recorded;
    });
}

/** Type-checks `project` (a folder with a tsconfig.json); `name` names its build info in the cache. */
export function typeCheck(project: string, name: string): SpawnSyncReturns<string> {
    const stamp = createHash("sha256").update(`${ts.version}\0${fs.readFileSync(path.join(project, "tsconfig.json"), "utf8")}`).digest("hex").slice(0, 16);
    const cached = path.join(CACHE, `${name}-${stamp}.tsbuildinfo`);
    const local = path.join(project, `.${name}.tsbuildinfo`);
    if (fs.existsSync(cached)) {
        fs.copyFileSync(cached, local);
        if (unchangedSince(local, project)) {
            return { pid: 0, output: [], stdout: "", stderr: "", status: 0, signal: null };
        }
    }
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", project, "--noEmit", "--incremental", "--tsBuildInfoFile", local], { encoding: "utf8" });
    if (tsc.status === 0 && fs.existsSync(local)) {
        fs.mkdirSync(CACHE, { recursive: true });
        const partial = `${cached}.${process.pid}.tmp`;
        fs.copyFileSync(local, partial);
        fs.renameSync(partial, cached);
    }
    return tsc;
}
