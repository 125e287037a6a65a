/**
 * `npm run policy`: runs the program under Pulumi mocks for each stack, evaluates both policy packs
 * over every resource it registers, prints a report, optionally writes JSON and SARIF, and exits 1
 * on any mandatory violation (2 on bad usage, bad pack config, an unknown stack or a failing program).
 *
 * Stacks are those with a `Pulumi.<stack>.yaml` beside the program (all of them unless --stack
 * names some). A program with no stack file beside it runs once, with no config, as stack "dev"
 * (or under each --stack name).
 *
 *   npm run policy -- [--stack dev] [--stack prod] [--program index.ts]
 *                     [--policy-pack-config least-privilege-iam=cfg.json]
 *                     [--json policy-report.json] [--sarif policy-report.sarif]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PolicyPackConfig } from "@pulumi/policy";
import { PackConfigError, PolicyPackSpec, evaluatePacks, hasMandatory, resolveConfig } from "./engine";
import { ROOT, stacksIn } from "./mocks";
import { runProgram } from "./program";
import { StackFindings, formatText, toJson, toSarif, writeFileAtomic } from "./report";
import { PACKS } from "../packs";

export class UsageError extends Error {}

export interface RunOptions {
    stacks: string[];
    program: string;
    packConfig: Record<string, PolicyPackConfig>;
    json?: string;
    sarif?: string;
}

/** Parses command-line arguments; throws UsageError naming what was wrong. */
export function parseOptions(argv: string[]): RunOptions {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", multiple: true },
                program: { type: "string" },
                "policy-pack-config": { type: "string", multiple: true },
                json: { type: "string" },
                sarif: { type: "string" },
            },
            strict: true,
        });
    } catch (e) {
        throw new UsageError(`${(e as Error).message}; allowed: --stack NAME, --program FILE, --policy-pack-config PACK=FILE, --json FILE, --sarif FILE`);
    }
    const v = parsed.values;
    const program = path.resolve(v.program ?? path.join(ROOT, "index.ts"));
    if (!fs.existsSync(program)) {
        throw new UsageError(`--program: ${program} does not exist; give the path of a Pulumi program's entry file`);
    }
    const packNames = PACKS.map((p) => p.name);
    const packConfig: Record<string, PolicyPackConfig> = {};
    for (const entry of v["policy-pack-config"] ?? []) {
        const [pack, file] = entry.split("=", 2);
        if (!file || !packNames.includes(pack)) {
            throw new UsageError(`--policy-pack-config: "${entry}" is not PACK=FILE with PACK one of ${packNames.join(", ")}`);
        }
        try {
            packConfig[pack] = JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig;
        } catch (e) {
            throw new UsageError(`--policy-pack-config: cannot read ${file} as JSON: ${(e as Error).message}`);
        }
    }
    for (const stack of v.stack ?? []) {
        if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
            throw new UsageError(`--stack: "${stack}" is not a stack name; use letters, digits, "-", "_" and "."`);
        }
    }
    const existing = stacksIn(path.dirname(program));
    const missing = existing.length > 0 ? (v.stack ?? []).filter((s) => !existing.includes(s)) : [];
    if (missing.length > 0) {
        const beside = path.join(path.relative(process.cwd(), path.dirname(program)), `Pulumi.${missing[0]}.yaml`);
        throw new UsageError(`--stack: "${missing[0]}" has no stack file (${beside} does not exist); the program's stacks are ${existing.join(", ")}`);
    }
    const stacks = v.stack ?? (existing.length > 0 ? existing : ["dev"]);
    for (const pack of PACKS) {
        try {
            resolveConfig({ ...pack, config: packConfig[pack.name] });
        } catch (e) {
            if (e instanceof PackConfigError) {
                throw new UsageError(`--policy-pack-config: ${e.message}`);
            }
            throw e;
        }
    }
    return { stacks, program, packConfig, json: v.json, sarif: v.sarif };
}

/** Runs the packs over every stack; returns the findings per stack. */
export async function runPolicies(options: RunOptions): Promise<StackFindings[]> {
    const packs: PolicyPackSpec[] = PACKS.map((p) => ({ ...p, config: options.packConfig[p.name] }));
    const results: StackFindings[] = [];
    for (const stack of options.stacks) {
        const { resources } = await runProgram({ program: options.program, stack });
        results.push({ stack, program: path.relative(ROOT, options.program), findings: await evaluatePacks(packs, resources) });
    }
    return results;
}

/** The runner's own version, for the SARIF report's tool: its nearest package.json's (policy/offline's, or the published package's). */
function runnerVersion(): string {
    let dir = __dirname;
    while (!fs.existsSync(path.join(dir, "package.json"))) {
        dir = path.dirname(dir);
    }
    return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
    const options = parseOptions(argv);
    const results = await runPolicies(options);
    process.stdout.write(`${formatText(results)}\n`);
    if (options.json) {
        writeFileAtomic(options.json, `${JSON.stringify(toJson(results), null, 2)}\n`);
    }
    if (options.sarif) {
        writeFileAtomic(options.sarif, `${JSON.stringify(toSarif(results, [...PACKS], runnerVersion()), null, 2)}\n`);
    }
    return results.some((r) => hasMandatory(r.findings)) ? 1 : 0;
}

/** The command line: runs, prints, and exits with the code the file's header describes. */
export function cli(argv: string[]): void {
    main(argv).then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`${e instanceof UsageError ? "usage" : "error"}: ${(e as Error).message}\n`);
            process.exit(2);
        },
    );
}

if (require.main === module) {
    cli(process.argv.slice(2));
}
