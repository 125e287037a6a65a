import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hasMandatory } from "../policy/offline/engine";
import { formatText, toSarif } from "../policy/offline/report";
import { UsageError, parseOptions, runPolicies } from "../policy/offline/run";
import { PACKS } from "../policy/packs";
import { ROOT } from "./mocks";

const INSECURE = path.join(ROOT, "tests/fixtures/insecure-stack/index.ts");

/** Runs `npm run policy` the way a user does, without npm: the same ts-node entry. */
function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "policy/offline/run.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline policy runner", function () {
    this.timeout(120000);

    it("finds zero mandatory violations in the project's own dev and prod stacks", async () => {
        const results = await runPolicies(parseOptions([]));
        assert.deepEqual(results.map((r) => r.stack), ["dev", "prod"]);
        for (const r of results) {
            assert.deepEqual(r.findings.filter((f) => f.enforcementLevel === "mandatory"), [], `${r.stack}:\n${formatText([r])}`);
        }
    });

    it("flags the insecure stack's mandatory violations and writes JSON and SARIF, exiting 1", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-"));
        const json = path.join(dir, "out", "report.json");
        const sarif = path.join(dir, "out", "report.sarif");
        const r = cli(["--program", INSECURE, "--stack", "insecure", "--json", json, "--sarif", sarif]);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /MANDATORY {2}iam-pass-role-scoped/);
        assert.match(r.stdout, /how to fix: /);
        const report = JSON.parse(fs.readFileSync(json, "utf8"));
        assert.equal(report.stacks[0].stack, "insecure");
        const log = JSON.parse(fs.readFileSync(sarif, "utf8"));
        assert.equal(log.version, "2.1.0");
        assert.equal(log.runs[0].results.length, report.stacks[0].findings.length);
        assert.deepEqual(fs.readdirSync(path.join(dir, "out")).sort(), ["report.json", "report.sarif"]);
    });

    it("exits 0 on the project's stacks", () => {
        const r = cli(["--stack", "dev"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^dev: 0 mandatory, \d+ advisory$/m);
    });

    it("rejects bad usage with exit 2 and a message naming what is allowed", () => {
        const r = cli(["--stak", "dev"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /^usage: .*--stak.*; allowed: --stack NAME, --program FILE, --policy-pack-config PACK=FILE, --json FILE, --sarif FILE/);
        assert.throws(() => parseOptions(["--policy-pack-config", "nope=x.json"]), {
            message: '--policy-pack-config: "nope=x.json" is not PACK=FILE with PACK one of least-privilege-iam, log-retention',
        });
        assert.throws(() => parseOptions(["--program", "missing.ts"]), UsageError);
        assert.throws(() => parseOptions(["--stack", "a b"]), { message: '--stack: "a b" is not a stack name; use letters, digits, "-", "_" and "."' });
    });

    it("applies a --policy-pack-config file: a disabled rule reports nothing, an advisory one does not fail", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        const file = path.join(dir, "logs.json");
        fs.writeFileSync(file, JSON.stringify({ "log-group-retention": "disabled", "lambda-log-group-managed": { enforcementLevel: "advisory" } }));
        const [result] = await runPolicies(parseOptions(["--program", INSECURE, "--stack", "insecure", "--policy-pack-config", `log-retention=${file}`]));
        const logFindings = result.findings.filter((f) => f.pack === "log-retention");
        assert.ok(!logFindings.some((f) => f.policy === "log-group-retention"));
        assert.deepEqual(logFindings.filter((f) => f.policy === "lambda-log-group-managed").map((f) => f.enforcementLevel), ["advisory"]);
        assert.ok(hasMandatory(result.findings));
    });

    it("SARIF names every rule once, maps mandatory to error and advisory to warning, and locates results in the program", () => {
        const finding = (level: "mandatory" | "advisory", policy: string) => ({
            pack: "p",
            policy,
            enforcementLevel: level,
            severity: "high" as const,
            description: "d",
            message: "m",
            urn: "urn:pulumi:dev::proj::aws:iam/role:Role::r",
            resourceName: "r",
            resourceType: "aws:iam/role:Role",
        });
        const log = toSarif(
            [{ stack: "dev", program: "index.ts", findings: [finding("mandatory", "iam-no-wildcard-actions"), finding("advisory", "log-group-kms-encryption")] }],
            [...PACKS],
            "0.1.0",
        ) as any;
        const ids = log.runs[0].tool.driver.rules.map((r: any) => r.id);
        assert.equal(new Set(ids).size, ids.length);
        assert.deepEqual(ids, PACKS.flatMap((p) => p.policies.map((x) => x.name)));
        assert.deepEqual(log.runs[0].results.map((r: any) => [r.ruleId, r.level, ids[r.ruleIndex]]), [
            ["iam-no-wildcard-actions", "error", "iam-no-wildcard-actions"],
            ["log-group-kms-encryption", "warning", "log-group-kms-encryption"],
        ]);
        assert.deepEqual(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation, { uri: "index.ts" });
        assert.equal(log.runs[0].results[0].message.text, "[dev] r: m");
        assert.equal(log.runs[0].tool.driver.rules[0].properties["security-severity"], "8.0");
    });
});
