/**
 * The type check of `npm test`: `npm run typecheck` (tsc over the program, the packs, the scripts and the tests in
 * one compiler run, tests/tsconfig.json), as a test file, so that it runs beside the other files instead of before
 * them. A type error fails this test with tsc's diagnostics.
 *
 * Where the last check's build info (node_modules/.cache/tsc) is newer than the last change npm made to
 * node_modules (node_modules/.package-lock.json), tsc runs in build mode (`tsc -b`) on the same project: it checks
 * again only if a file of the project is newer than the build info, or the last check found errors, and otherwise
 * ends in half a second instead of parsing some 5,500 files again.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./mocks";
import { exited } from "./support/child-process";
import { manifest } from "./support/npm-pack";

const BUILD_INFO = path.join(ROOT, "node_modules", ".cache", "tsc", "tests.tsbuildinfo");
const INSTALLED = path.join(ROOT, "node_modules", ".package-lock.json");

const modified = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).mtimeMs : Infinity);

describe("the type check (npm run typecheck)", function () {
    this.timeout(300000);

    it("finds no type error in the program, the policy packs, the scripts and the tests", async () => {
        assert.equal(manifest(ROOT).scripts?.typecheck, "tsc --noEmit -p tests");
        const args = fs.existsSync(BUILD_INFO) && modified(BUILD_INFO) > modified(INSTALLED) ? ["-b", "tests", "--noEmit"] : ["--noEmit", "-p", "tests"];
        const tsc = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        const { code, stdout, stderr } = await exited(tsc);
        assert.equal(code, 0, `tsc ${args.join(" ")} found errors:\n${stdout}${stderr}`);
    });
});
