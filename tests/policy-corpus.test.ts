/**
 * The packs over a corpus of small Pulumi programs (tests/fixtures/policy-corpus): each insecure
 * program makes one mistake and names the rules that must report it (`// expect: rule, rule
 * (advisory)`); each least-privilege program (`// expect: none`) must pass with no finding at all,
 * advisory ones included. Every program runs through the offline runner as `npm run policy --
 * --program <file>` does; two of them through the command itself.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Finding } from "../policy/offline/engine";
import { parseOptions, runPolicies } from "../policy/offline/run";
import { ROOT } from "./mocks";
import { TS_REGISTER } from "./support/ts-process";

const CORPUS = path.join(ROOT, "tests/fixtures/policy-corpus");

interface Program {
    file: string;
    /** Rules that must report, with the level they must report at. */
    expected: { rule: string; level: "mandatory" | "advisory" }[];
}

function programs(kind: "insecure" | "legit"): Program[] {
    const dir = path.join(CORPUS, kind);
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".ts"))
        .sort()
        .map((f) => {
            const file = path.join(dir, f);
            const line = /^\/\/ expect: (.+)$/m.exec(fs.readFileSync(file, "utf8"))?.[1];
            if (line === undefined) {
                throw new Error(`${kind}/${f} has no "// expect:" line`);
            }
            const expected =
                line.trim() === "none"
                    ? []
                    : line.split(",").map((item) => {
                          const m = /^\s*([a-z-]+)(?: \((advisory)\))?\s*$/.exec(item);
                          if (!m) {
                              throw new Error(`${kind}/${f}: "${item}" is not "rule" or "rule (advisory)"`);
                          }
                          return { rule: m[1], level: (m[2] ?? "mandatory") as "mandatory" | "advisory" };
                      });
            return { file, expected };
        });
}

async function findingsOf(file: string): Promise<Finding[]> {
    const results = await runPolicies(parseOptions(["--program", file]));
    return results.flatMap((r) => r.findings);
}

const describeFinding = (f: Finding) => `${f.enforcementLevel} ${f.policy} ${f.resourceName}: ${f.message}`;

describe("the policy packs over the corpus of small programs", function () {
    this.timeout(60000);
    const insecure = programs("insecure");
    const legit = programs("legit");

    it("holds at least 40 insecure and 20 least-privilege programs", () => {
        assert.ok(insecure.length >= 40, `${insecure.length} insecure programs`);
        assert.ok(legit.length >= 20, `${legit.length} least-privilege programs`);
    });

    describe("insecure programs: each is reported by the rules it names, at their level", () => {
        for (const program of insecure) {
            it(path.basename(program.file), async () => {
                const found = await findingsOf(program.file);
                for (const { rule, level } of program.expected) {
                    assert.ok(
                        found.some((f) => f.policy === rule && f.enforcementLevel === level),
                        `expected ${level} ${rule}; found:\n${found.map(describeFinding).join("\n") || "(nothing)"}`,
                    );
                }
            });
        }
    });

    describe("least-privilege programs: no finding at all", () => {
        for (const program of legit) {
            it(path.basename(program.file), async () => {
                assert.deepEqual((await findingsOf(program.file)).map(describeFinding), []);
            });
        }
    });

    it("`npm run policy -- --program` exits 1 on an insecure program and 0 on a least-privilege one", () => {
        const run = (file: string) =>
            spawnSync(process.execPath, [...TS_REGISTER, path.join(ROOT, "policy/offline/run.ts"), "--program", file], { cwd: ROOT, encoding: "utf8", timeout: 120000 });
        const bad = run(path.join(CORPUS, "insecure/kms-key-policy-public.ts"));
        assert.equal(bad.status, 1, bad.stderr);
        assert.match(bad.stdout, /MANDATORY {2}resource-policy-no-public-access/);
        const good = run(path.join(CORPUS, "legit/kms-key-for-encrypted-topic.ts"));
        assert.equal(good.status, 0, good.stderr);
        assert.match(good.stdout, /^dev: 0 mandatory, 0 advisory$/m);
    });
});
