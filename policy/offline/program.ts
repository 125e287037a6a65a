/**
 * Runs a Pulumi program (index.ts, or a fixture) in this process under mocks, with a stack's
 * config, and returns every resource it registered — what `pulumi preview` would hand the packs.
 */
import * as path from "path";
import { ROOT, Recorded, Recorder, readStackFile, settle, useMocks } from "./mocks";

export interface ProgramRun {
    recorder: Recorder;
    /** The program module's exports (its stack outputs). */
    outputs: Record<string, unknown>;
    resources: Recorded[];
}

export interface ProgramOptions {
    /** Path of the program's entry file. @default "<repo>/index.ts" */
    program?: string;
    stack: string;
    /** Config in `setAllConfig` form. @default the stack's Pulumi.<stack>.yaml */
    config?: Record<string, string>;
    /** Keys of `config` that hold secrets. @default the stack file's `secure:` keys when `config` is not given */
    secretKeys?: string[];
    /** The VPC of existing subnets and security groups, by ID (see Recorder). */
    vpcOf?: Record<string, string>;
}

/**
 * Runs the program once; a second run (another stack) loads it afresh. Like the Pulumi language host, it fails
 * with the first error the program raises, also one raised asynchronously (e.g. in an `apply` feeding a resource).
 */
export async function runProgram(options: ProgramOptions): Promise<ProgramRun> {
    const program = path.resolve(options.program ?? path.join(ROOT, "index.ts"));
    const file = options.config === undefined ? readStackFile(options.stack) : { config: options.config, secretKeys: options.secretKeys ?? [] };
    const recorder = await useMocks({ stack: options.stack, config: file.config, secretKeys: file.secretKeys, vpcOf: options.vpcOf });
    const errors: unknown[] = [];
    const onRejection = (reason: unknown): void => {
        errors.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    try {
        delete require.cache[require.resolve(program)];
        const outputs = require(program) as Record<string, unknown>;
        await settle();
        // Rejections are reported after the promise job that raised them: give them a turn of the event loop.
        await new Promise((resolve) => setImmediate(resolve));
        if (errors.length > 0) {
            throw errors[0];
        }
        return { recorder, outputs, resources: recorder.all() };
    } finally {
        process.off("unhandledRejection", onRejection);
    }
}
