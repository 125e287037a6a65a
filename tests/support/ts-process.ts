import { REPOSITORY_ROOT as ROOT } from "./repository";
import { manifest } from "./npm-pack";

/**
 * The arguments that make a child `node` load the repository's TypeScript as mocha's workers and the npm scripts do
 * (scripts/register.js: transpiled once, cached).
 */
export const TS_REGISTER: readonly string[] = ["-r", require.resolve("../../scripts/register.js")];

/** The arguments after `node` of an npm script of package.json that runs `node …` (run them with process.execPath, in the repository). */
export function npmScriptArgs(name: string): string[] {
    const command = manifest(ROOT).scripts?.[name] ?? "";
    const [program, ...args] = command.split(" ");
    if (program !== "node") {
        throw new Error(`npm script ${name} is ${JSON.stringify(command)}, not a node command`);
    }
    return args;
}
