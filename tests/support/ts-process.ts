import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/**
 * The arguments that make a child `node` load the repository's TypeScript as mocha's workers and the npm scripts do
 * (scripts/register.js: transpiled once, cached).
 */
export const TS_REGISTER: readonly string[] = ["-r", require.resolve("../../scripts/register.js")];

/** The arguments after `node` of an npm script of package.json that runs `node …` (run them with process.execPath, in the repository). */
export function npmScriptArgs(name: string): string[] {
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const [program, ...args] = (scripts[name] ?? "").split(" ");
    if (program !== "node") {
        throw new Error(`npm script ${name} is ${JSON.stringify(scripts[name])}, not a node command`);
    }
    return args;
}
