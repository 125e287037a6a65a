/**
 * `tsc -p <project> --noEmit` in a process of its own, incremental: tsc's build info (the hash of every
 * file it read, and what it found in each) is kept in node_modules/.cache/tsc, so a run whose files are
 * unchanged is not checked again, and a change is checked with what it affects. tsc itself compares
 * each file's contents with its build info. The paths in the build info are relative to it, so it is
 * copied into the project folder for the run (a temporary folder of the same depth each time), and
 * back once the check passes, under a temporary name that is renamed, so concurrent runs never read a
 * partial file.
 */
import { SpawnSyncReturns, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "../mocks";

const CACHE = path.join(ROOT, "node_modules", ".cache", "tsc");

/** Type-checks `project` (a folder with a tsconfig.json); `name` names its build info in the cache. */
export function typeCheck(project: string, name: string): SpawnSyncReturns<string> {
    const cached = path.join(CACHE, `${name}.tsbuildinfo`);
    const local = path.join(project, `.${name}.tsbuildinfo`);
    if (fs.existsSync(cached)) {
        fs.copyFileSync(cached, local);
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
