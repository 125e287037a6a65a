/**
 * The type check a test runs on a program of its own (tests/support/type-check.ts): what it checks (the program's
 * files and the declarations of the packages it names, not every other package's), and its record: a passing check
 * is not run again only while every file it read is as it was.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkProject, recordOf, typeCheck, unchangedSince } from "./support/type-check";

describe("the type check of a program of its own (tests/support/type-check.ts)", function () {
    this.timeout(60000);
    let project: string;
    let record: string;
    const PACKAGES = ["ours"];
    const dependency = () => path.join(project, "node_modules", "dep", "index.d.ts");
    const ours = () => path.join(project, "node_modules", "ours", "index.d.ts");
    // typeCheck runs the check in a process of its own, as for the library's user program; on this small project the
    // same check (checkProject) also runs in this process.
    const check = () => checkProject(project, record, PACKAGES);

    before(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "type-check-"));
        fs.writeFileSync(path.join(project, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, lib: ["es2020"], types: [] }, include: ["*.ts"] }));
        for (const file of [dependency(), ours()]) {
            fs.mkdirSync(path.dirname(file), { recursive: true });
        }
        // Another package's declarations, with an error of their own that this check leaves to that package.
        fs.writeFileSync(dependency(), "export declare function twice(n: number): number;\nexport declare const broken: Missing;\n");
        fs.writeFileSync(ours(), 'import { twice } from "dep";\nexport declare const doubled: ReturnType<typeof twice>;\n');
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nimport { doubled } from "ours";\nexport const four: number = twice(2) + doubled;\n');
        record = recordOf(project, "type-check-cache-test", PACKAGES);
        fs.rmSync(record, { force: true });
        const run = typeCheck(project, "type-check-cache-test", PACKAGES);
        assert.equal(run.status, 0, `passes, the other package's own error (Missing) left to it: ${run.stdout}${run.stderr}`);
        assert.ok(fs.existsSync(record), "a passing check is recorded");
    });
    after(() => {
        fs.rmSync(record, { force: true });
        fs.rmSync(project, { recursive: true, force: true });
    });

    it("checks the program and the packages it names, and reports an error in either with its file", () => {
        const text = fs.readFileSync(ours(), "utf8");
        fs.writeFileSync(ours(), 'import { twice } from "dep";\nexport declare const doubled: ReturnType<typeof twice>;\nexport declare const gone: NotDeclared;\n');
        try {
            for (const run of [check(), typeCheck(project, "type-check-cache-test", PACKAGES)]) {
                assert.equal(run.status, 1);
                assert.match(run.stdout, /node_modules\/ours\/index\.d\.ts\(3,\d+\): error TS2304: Cannot find name 'NotDeclared'/);
            }
        } finally {
            fs.writeFileSync(ours(), text);
        }
        assert.equal(unchangedSince(record, project), true, "the passing record holds again once restored");
    });

    it("holds while nothing the check read has changed, even when a file is written again with the same text", () => {
        assert.equal(unchangedSince(record, project), true);
        fs.writeFileSync(dependency(), fs.readFileSync(dependency(), "utf8"));
        assert.equal(unchangedSince(record, project), true);
    });

    it("does not hold once a declaration the program only imports (not a root file) changes, and holds again when it is restored", () => {
        const text = fs.readFileSync(dependency(), "utf8");
        fs.writeFileSync(dependency(), "export declare function twice(n: string): string;\nexport declare const broken: Missing;\n");
        try {
            assert.equal(unchangedSince(record, project), false);
            const run = check();
            assert.equal(run.status, 1, "the changed declaration breaks the program");
            assert.match(run.stdout, /index\.ts\(3,\d+\): error TS2345/);
        } finally {
            fs.writeFileSync(dependency(), text);
        }
        assert.equal(unchangedSince(record, project), true);
    });

    it("does not hold when the root files change, and a failed check leaves the last passing record as it was", () => {
        assert.equal(unchangedSince(record, project), true);
        fs.writeFileSync(path.join(project, "extra.ts"), "export const extra = 1;\n");
        assert.equal(unchangedSince(record, project), false);
        fs.rmSync(path.join(project, "extra.ts"));
        assert.equal(unchangedSince(record, project), true);
        const before = fs.readFileSync(record, "utf8");
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nexport const four: string = twice(2);\n');
        assert.equal(check().status, 1);
        assert.equal(unchangedSince(record, project), false, "the passing record does not describe the failing program");
        assert.equal(fs.readFileSync(record, "utf8"), before);
        fs.writeFileSync(path.join(project, "index.ts"), 'import { twice } from "dep";\nimport { doubled } from "ours";\nexport const four: number = twice(2) + doubled;\n');
        assert.equal(unchangedSince(record, project), true);
    });

    it("does not hold without a record, or with one that does not parse", () => {
        assert.equal(unchangedSince(path.join(project, "missing.json"), project), false);
        const torn = path.join(project, "torn.json");
        fs.writeFileSync(torn, fs.readFileSync(record, "utf8").slice(0, 40));
        assert.equal(unchangedSince(torn, project), false);
        fs.writeFileSync(torn, "{}");
        assert.equal(unchangedSince(torn, project), false);
    });
});
