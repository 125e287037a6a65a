/**
 * The repository's files as Git sees them, for what the tests build from them (cache keys, the transpile
 * caches). Loads nothing but Node built-ins, so mocha's main process can use it before the workers start.
 */
import { execFileSync } from "child_process";
import * as path from "path";

export const REPOSITORY_ROOT = path.resolve(__dirname, "..", "..");

/** The files under `pathspecs` (Git pathspecs), tracked or new and not ignored, as paths relative to the repository. */
export function repositoryFiles(pathspecs: readonly string[]): string[] {
    return execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...pathspecs], { cwd: REPOSITORY_ROOT, encoding: "utf8" })
        .split("\0")
        .filter((f) => f !== "");
}
