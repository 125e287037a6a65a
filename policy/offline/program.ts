/**
 * Runs a Pulumi program (index.ts, or a fixture) in this process under mocks, with a stack's
 * config, and returns every resource it registered — what `pulumi preview` would hand the packs.
 */
import * as path from "path";
import { ROOT, Recorded, Recorder, settle, stackConfig, useMocks } from "./mocks";

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
}

/** Runs the program once; a second run (another stack) loads it afresh. */
export async function runProgram(options: ProgramOptions): Promise<ProgramRun> {
    const program = path.resolve(options.program ?? path.join(ROOT, "index.ts"));
    const recorder = await useMocks({ stack: options.stack, config: options.config ?? stackConfig(options.stack) });
    delete require.cache[require.resolve(program)];
    const outputs = require(program) as Record<string, unknown>;
    await settle();
    return { recorder, outputs, resources: recorder.all() };
}
