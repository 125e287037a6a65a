/**
 * Loaded by mocha before the tests (.mocharc.js `require`), in its main process and in every worker process.
 *
 * The AWS SDK for JavaScript v3 warns once per process that its releases after the first week of
 * January 2027 need Node 22 (`NodeVersionSupportWarning`); the tests run on Node 20 and start dozens of
 * processes, so the warning would fill the test output. The SDK's own switch turns it off here and in
 * every process a test starts with this environment; the product keeps the warning.
 */
import * as path from "path";
import { warmTranspileCache } from "../../app/src/transpile";
import { REPOSITORY_ROOT, repositoryFiles } from "./repository";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** The repository's TypeScript files (tracked, or new and not ignored), declarations left out, as absolute paths. */
function typeScriptFiles(): string[] {
    return repositoryFiles(["*.ts"])
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => path.join(REPOSITORY_ROOT, f));
}

/**
 * Once, in mocha's main process before the workers start (a global fixture): every TypeScript file is
 * transpiled into the two caches the processes read (scripts/register.js for the workers and the processes
 * they start through it; app/src/transpile.ts for the processor's plain-JavaScript build and worker threads),
 * so that on a fresh clone the compiler is loaded and each file transpiled once, not again in every process
 * that starts before another has filled the cache. With the caches filled, it only hashes the files.
 */
export function mochaGlobalSetup(): void {
    let files: string[];
    try {
        files = typeScriptFiles();
    } catch (e) {
        // Not a Git checkout: each process fills the caches as it loads files, as without this fixture.
        process.stderr.write(`the transpile caches are filled as files load (no list of the repository's files: ${(e as Error).message.split("\n")[0]})\n`);
        return;
    }
    (require("../../scripts/register.js") as { warmCache(files: string[]): void }).warmCache(files);
    warmTranspileCache(files.filter((f) => f.startsWith(path.join(REPOSITORY_ROOT, "app", "src") + path.sep)));
}
