/**
 * The type check of `npm test`: `npm run typecheck` (tsc over the program, the packs, the scripts and the tests in
 * one compiler run, tests/tsconfig.json), as a test file, so that it runs beside the other files instead of before
 * them. A type error fails this test with tsc's diagnostics.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ROOT } from "./mocks";
import { exited } from "./support/child-process";

describe("the type check (npm run typecheck)", function () {
    this.timeout(300000);

    it("finds no type error in the program, the policy packs, the scripts and the tests", async () => {
        const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        const [tool, ...args] = manifest.scripts.typecheck.split(" ");
        assert.equal(tool, "tsc");
        const tsc = spawn(process.execPath, [require.resolve("typescript/bin/tsc"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        const { code, stdout, stderr } = await exited(tsc);
        assert.equal(code, 0, `tsc ${args.join(" ")} found errors:\n${stdout}${stderr}`);
    });
});
