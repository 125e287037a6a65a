/**
 * The type check of a program of its own (a user's program against the packed component library): the program's
 * files and the declarations of the packages it is about, checked as tsc checks them with the program's
 * tsconfig.json (`skipLibCheck` off), in a process of its own. Every other declaration file (AWS's, Node's, the
 * compiler's libraries) is parsed and bound as tsc does, and an error it causes in a checked file is reported, but
 * its own contents are not checked: they are other packages' to check, and checking them was more than a third of
 * the time (12.4 s against 7.4 s of wall time for the user program, which reads every AWS service's declarations).
 *
 * A passing check is recorded in node_modules/.cache/tsc: the root files, and the SHA-256 of every file the program
 * read. While the project's tsconfig.json, the compiler and the packages checked are the same, the same root files
 * are listed and every file still has its hash, the check is not run again: the result would be the same. Paths in
 * the record are relative to the project folder (a temporary folder of the same depth each time).
 */
import { SpawnSyncReturns, spawnSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPOSITORY_ROOT as ROOT } from "./repository";
import { writeJsonAtomically } from "./npm-pack";
import { TS_REGISTER } from "./ts-process";

const CACHE = path.join(ROOT, "node_modules", ".cache", "tsc");

/** What a passing check read. */
interface CheckRecord {
    compiler: string;
    roots: string[];
    /** [path relative to the project, SHA-256 of its text as the compiler read it] for every file of the program. */
    files: [string, string][];
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** Root files as a tsconfig.json in `project` lists them, relative to it and sorted. */
const relativeRoots = (project: string, fileNames: readonly string[]): string[] => fileNames.map((f) => path.relative(project, path.resolve(project, f))).sort();

/** `project`'s tsconfig.json, parsed; undefined, with the error given to `onError`, when it cannot be read. */
const readConfig = (project: string, onError: (d: ts.Diagnostic) => void = () => undefined): ts.ParsedCommandLine | undefined =>
    ts.getParsedCommandLineOfConfigFile(path.join(project, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: onError });

/** The root files of `project`'s tsconfig.json (relativeRoots); undefined when it does not parse. */
function rootsOf(project: string): string[] | undefined {
    const config = readConfig(project);
    return config === undefined || config.errors.length > 0 ? undefined : relativeRoots(project, config.fileNames);
}

/** Whether the passing check recorded in `record` still holds for `project`: the same compiler, the same root files, and every file it read unchanged. */
export function unchangedSince(record: string, project: string): boolean {
    let recorded: CheckRecord;
    try {
        recorded = JSON.parse(fs.readFileSync(record, "utf8")) as CheckRecord;
    } catch {
        // No record, or one that does not parse: the check runs, and records again if it passes.
        return false;
    }
    if (recorded.compiler !== ts.version || !Array.isArray(recorded.files) || JSON.stringify(rootsOf(project)) !== JSON.stringify(recorded.roots)) {
        return false;
    }
    return recorded.files.every(([name, hash]) => {
        // Read as the compiler reads it (a byte-order mark dropped), as the recorded hash was taken.
        const text = ts.sys.readFile(path.resolve(project, name));
        return text !== undefined && sha256(text) === hash;
    });
}

/** Where the check of `project` named `name`, checking `packages`, is recorded. */
export function recordOf(project: string, name: string, packages: readonly string[]): string {
    const stamp = sha256(`${ts.version}\0${fs.readFileSync(path.join(project, "tsconfig.json"), "utf8")}\0${packages.join("\0")}`).slice(0, 16);
    return path.join(CACHE, `${name}-${stamp}.json`);
}

/**
 * Type-checks `project` (a folder with a tsconfig.json): its own files and the declarations of `packages` (installed
 * in its node_modules). `name` names its record in the cache. The status is 0 when nothing was found, and the
 * diagnostics are on stdout as tsc writes them.
 */
export function typeCheck(project: string, name: string, packages: readonly string[] = []): SpawnSyncReturns<string> {
    const record = recordOf(project, name, packages);
    if (unchangedSince(record, project)) {
        return { pid: 0, output: [], stdout: "", stderr: "", status: 0, signal: null };
    }
    return spawnSync(process.execPath, [...TS_REGISTER, __filename, project, record, JSON.stringify(packages)], { encoding: "utf8" });
}

/**
 * The check itself (in the process `typeCheck` starts; in this one for a small project): its status and
 * diagnostics, as `typeCheck` returns them. A passing check is recorded in `record`.
 */
export function checkProject(project: string, record: string, packages: readonly string[]): { status: number; stdout: string } {
    let unrecoverable = "";
    const config = readConfig(project, (d) => (unrecoverable = ts.formatDiagnostic(d, FORMAT)));
    if (config === undefined) {
        return { status: 2, stdout: unrecoverable };
    }
    const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true }, configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(config) });
    const checked = (file: ts.SourceFile): boolean => {
        const at = file.fileName.lastIndexOf("/node_modules/");
        return at < 0 || packages.some((p) => file.fileName.startsWith(`${p}/`, at + "/node_modules/".length));
    };
    const diagnostics = [
        ...program.getConfigFileParsingDiagnostics(),
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...program.getSourceFiles().flatMap((file) => [...program.getSyntacticDiagnostics(file), ...(checked(file) ? program.getSemanticDiagnostics(file) : [])]),
    ];
    if (diagnostics.length > 0) {
        return { status: 1, stdout: ts.formatDiagnostics(diagnostics, FORMAT) };
    }
    const passed: CheckRecord = {
        compiler: ts.version,
        roots: relativeRoots(project, config.fileNames),
        files: program.getSourceFiles().map((file) => [path.relative(project, file.fileName), sha256(file.text)]),
    };
    writeJsonAtomically(record, passed);
    return { status: 0, stdout: "" };
}

const FORMAT: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" };

if (require.main === module) {
    const [project, record, packages] = process.argv.slice(2);
    const { status, stdout } = checkProject(project, record, JSON.parse(packages) as string[]);
    process.stdout.write(stdout);
    process.exitCode = status;
}
