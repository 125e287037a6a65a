/** A Lambda function's deployed code run as Lambda runs it: one fresh Node process (one execution environment). */
import { spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../mocks";
import { Exited, exited } from "./child-process";

export interface BundleRun {
    /** AWS_REGION, and the access key the SDK signs with (a stand-in server can check both). */
    region: string;
    accessKeyId: string;
    /** The handler's context object, as JavaScript source. */
    context: string;
    /** Print the handler's result after `RESULT ok`, and the error's name before its message. */
    detailed: boolean;
    /** The function's environment (over the AWS settings above). */
    env: Record<string, string>;
    events: unknown[];
}

/**
 * Runs `handler.js`'s handler in `bundle` once per event, in order, and prints a line per invocation: `RESULT ok …`
 * or `RESULT error …`. The AWS SDK comes from this repository's node_modules, as the Lambda runtime provides it; no
 * shared config, credentials file or instance metadata is read.
 */
export function runLambdaBundle(bundle: string, run: BundleRun): Promise<Exited> {
    const ok = run.detailed ? `"RESULT ok " + JSON.stringify(result)` : `"RESULT ok"`;
    const error = run.detailed ? `"RESULT error " + err.name + ": " + err.message` : `"RESULT error " + err.message`;
    const script = `
        const { handler } = require(${JSON.stringify(path.join(bundle, "handler.js"))});
        const events = JSON.parse(process.env.E2E_EVENTS);
        (async () => {
            for (const e of events) {
                try { const result = await handler(e, ${run.context}); console.log(${ok}); }
                catch (err) { console.log(${error}); }
            }
        })();`;
    const child = spawn(process.execPath, ["-e", script], {
        cwd: bundle,
        env: {
            PATH: process.env.PATH ?? "",
            NODE_PATH: path.join(ROOT, "node_modules"),
            AWS_REGION: run.region,
            AWS_ACCESS_KEY_ID: run.accessKeyId,
            AWS_SECRET_ACCESS_KEY: "bundle-secret",
            AWS_CONFIG_FILE: path.join(bundle, "no-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(bundle, "no-credentials"),
            AWS_EC2_METADATA_DISABLED: "true",
            E2E_EVENTS: JSON.stringify(run.events),
            ...run.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    return exited(child);
}
