import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";

/** The Lambda functions the components deploy, by the folder of their handler. */
export const LAMBDA_HANDLERS = ["trigger", "notifier"] as const;
export type LambdaHandler = (typeof LAMBDA_HANDLERS)[number];

/** Where the published package keeps each handler's JavaScript: `lambda/<handler>/*.js` beside this module. */
export const BUILT_LAMBDA_DIR = path.join(__dirname, "lambda");

/** Where the handlers' TypeScript sources are in this repository (`app/src/<handler>`). */
export const LAMBDA_SOURCE_DIR = path.join(__dirname, "..", "app", "src");

/**
 * A handler's files, by name: the JavaScript the package build wrote (the published package), or, in
 * this repository's source tree where there is none, the handler's sources transpiled now, with the
 * same function the build uses.
 */
export function lambdaFiles(handler: LambdaHandler): Record<string, string> {
    const built = path.join(BUILT_LAMBDA_DIR, handler);
    if (fs.existsSync(built)) {
        const files = fs.readdirSync(built).filter((f) => f.endsWith(".js")).sort();
        if (files.length === 0) {
            throw new Error(`${built}: the package holds no JavaScript for the ${handler} function; reinstall the package`);
        }
        return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(built, f), "utf8")]));
    }
    // Only in the source tree, where the compiler is a dependency; the published package never gets here.
    const { transpileLambdaSources } = require("./lambda-build") as { transpileLambdaSources(dir: string): Record<string, string> };
    return transpileLambdaSources(path.join(LAMBDA_SOURCE_DIR, handler));
}

/** A Lambda function's code: the handler's CommonJS files, as an archive. */
export function lambdaCode(handler: LambdaHandler): pulumi.asset.AssetArchive {
    const assets: Record<string, pulumi.asset.StringAsset> = {};
    for (const [file, text] of Object.entries(lambdaFiles(handler))) {
        assets[file] = new pulumi.asset.StringAsset(text);
    }
    return new pulumi.asset.AssetArchive(assets);
}
