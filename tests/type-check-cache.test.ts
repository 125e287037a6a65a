/**
 * The cache of the type check a test runs on a project of its own (tests/support/type-check.ts): a passing
 * check is not run again only while tsc's build info still describes the project, file for file.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { unchangedSince } from "./support/type-check";

describe("the type check's cache (tests/support/type-check.ts)", function () {
    this.timeout(60000);
    let project: string;
    let buildInfo: string;
    const dependency = () => path.join(project, "node_modules", "dep", "index.d.ts");
    const tsc = () => spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", project, "--noEmit", "--incremental", "--tsBuildInfoFile", buildInfo], { encoding: "utf8" });

    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "type-check-"));
        buildInfo = path.join(project, ".check.tsbuildinfo");
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, lib: ["es2020"], types: [] }, include: ["*.ts"] }));
        fs.mkdirSync(path.dirname(dependency()), { recursive: true });
        fs.writeFileSync(dependency(), "export declare function twice(n: number): number;\n");
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nexport const four: number = twice(2);\n');
        const run = tsc();
        assert.equal(run.status, 0, run.stdout + run.stderr);
    });
    after(() => fs.rmSync(project, { recursive: true, force: true }));

    it("holds while nothing tsc read has changed, even when a file is written again with the same text", () => {
        assert.equal(unchangedSince(buildInfo, project), true);
        fs.writeFileSync(dependency(), fs.readFileSync(dependency(), "utf8"));
        assert.equal(unchangedSince(buildInfo, project), true);
    });

    it("does not hold once a declaration the program only imports (not a root file) changes, and holds again when it is restored", () => {
        const text = fs.readFileSync(dependency(), "utf8");
        fs.writeFileSync(dependency(), "export declare function twice(n: string): string;\n");
        assert.equal(unchangedSince(buildInfo, project), false);
        const run = tsc();
        assert.notEqual(run.status, 0, "the changed declaration breaks the program");
        fs.writeFileSync(dependency(), text);
    });

    it("does not hold when the root files change, or when the recorded check found errors", () => {
        assert.equal(tsc().status, 0);
        assert.equal(unchangedSince(buildInfo, project), true);
        fs.writeFileSync(path.join(project, "extra.ts"), "export const extra = 1;\n");
        assert.equal(unchangedSince(buildInfo, project), false);
        fs.rmSync(path.join(project, "extra.ts"));
        assert.equal(unchangedSince(buildInfo, project), true);
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nexport const four: string = twice(2);\n');
        assert.notEqual(tsc().status, 0);
        assert.equal(unchangedSince(buildInfo, project), false, "the build info of a failed check, its files unchanged since");
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nexport const four: number = twice(2);\n');
    });

    it("does not hold without a build info", () => {
        assert.equal(unchangedSince(path.join(project, ".missing.tsbuildinfo"), project), false);
    });
});
