/**
 * The trigger as it is deployed: the LambdaTrigger component's code archive (the trigger's sources,
 * transpiled file by file), written out and run in a plain Node process that finds ECS through
 * AWS_ENDPOINT_URL_ECS, as it would in Lambda, against a stand-in for the ECS API on loopback.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_SOURCE_DIR, lambdaCode } from "../components/lambda-code";
import { transpileLambdaSources } from "../components/lambda-build";
import { ACCOUNT } from "./mocks";
import type { Exited } from "./support/child-process";
import { EcsServer, runTaskFailure, startEcsServer } from "./support/ecs-server";
import { runLambdaBundle } from "./support/lambda-bundle";
import { ENV, KEYS, REGION, TEST_EVENT, event, expectedRunTask, s3Record, withoutToken } from "./support/lambda-trigger";

/** The component's code archive, written out file by file. */
async function writeBundle(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trigger-bundle-"));
    const assets = await lambdaCode("trigger").assets;
    for (const [file, asset] of Object.entries(assets)) {
        fs.writeFileSync(path.join(dir, file), await (asset as pulumi.asset.StringAsset).text);
    }
    return dir;
}

/** Runs the trigger's bundle once per event (see runLambdaBundle). */
function runBundle(bundle: string, env: Record<string, string>, events: unknown[]): Promise<Exited> {
    return runLambdaBundle(bundle, {
        region: REGION,
        accessKeyId: "AKIDBUNDLETEST",
        context: `{ awsRequestId: "bundle-req" }`,
        detailed: true,
        env: { NODE_NO_WARNINGS: "1", AWS_LAMBDA_FUNCTION_NAME: "s3-fargate-pipeline-dev-trigger", ...env },
        events,
    });
}

const results = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("RESULT"));

describe("trigger: the deployed bundle in a plain Node process, finding ECS through AWS_ENDPOINT_URL_ECS", function () {
    this.timeout(60000);
    let bundle: string;
    let server: EcsServer;
    before(async () => {
        bundle = await writeBundle();
    });
    after(() => {
        fs.rmSync(bundle, { recursive: true, force: true });
    });
    beforeEach(async () => {
        server = await startEcsServer();
    });
    afterEach(async () => {
        await server.close();
    });

    it("is the trigger's sources, each transpiled on its own, importing nothing but each other, Node's built-ins and the AWS SDK", () => {
        assert.deepEqual(fs.readdirSync(bundle).sort(), ["config.js", "handler.js", "records.js"]);
        assert.deepEqual(Object.keys(transpileLambdaSources(path.join(LAMBDA_SOURCE_DIR, "trigger"))), ["config.js", "handler.js", "records.js"]);
        for (const file of fs.readdirSync(bundle)) {
            const js = fs.readFileSync(path.join(bundle, file), "utf8");
            for (const m of js.matchAll(/require\("([^"]+)"\)/g)) {
                assert.ok(m[1].startsWith("./") || m[1].startsWith("@aws-sdk/") || m[1].startsWith("node:"), `${file} requires ${m[1]}`);
                if (m[1].startsWith("./")) assert.ok(fs.existsSync(path.join(bundle, `${m[1]}.js`)), `${file} requires missing ${m[1]}`);
            }
        }
    });

    it("transpiles a source again when its text changes (each text is transpiled once per process)", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lambda-sources-"));
        try {
            fs.writeFileSync(path.join(dir, "handler.ts"), "export const answer: number = 1;\n");
            const first = transpileLambdaSources(dir)["handler.js"];
            assert.match(first, /exports\.answer = 1;/);
            assert.equal(transpileLambdaSources(dir)["handler.js"], first);
            fs.writeFileSync(path.join(dir, "handler.ts"), "export const answer: number = 2;\n");
            assert.match(transpileLambdaSources(dir)["handler.js"], /exports\.answer = 2;/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("starts the task through the endpoint in AWS_ENDPOINT_URL_ECS, signed for the function's region, and ignores the test event", async () => {
        const result = await runBundle(bundle, { ...ENV, STARTED_BY: "", AWS_ENDPOINT_URL_ECS: server.endpoint }, [TEST_EVENT, event(s3Record(KEYS[4].encoded))]);
        assert.equal(result.code, 0, result.stderr);
        const [first, second] = results(result.stdout);
        assert.equal(first, 'RESULT ok {"started":[],"skipped":0,"testEvent":true}');
        assert.match(second, /^RESULT ok \{"started":\[\{"bucket":"data-bucket","key":"uploads\/\\"quoted\\" 'single' back\\\\slash.csv","taskArn":"arn:aws:ecs:eu-west-1:123456789012:task\/processing\/0+1"\}\]/);
        assert.equal(server.requests.length, 1);
        assert.match(String(server.requests[0].headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\/\d{8}\/eu-west-1\/ecs\/aws4_request/);
        // Without STARTED_BY, the function's name.
        assert.deepEqual(withoutToken(server.requests[0].body), { ...expectedRunTask(KEYS[4].key), startedBy: "s3-fargate-pipeline-dev-trigger" });
        const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(lines.map((l) => l.msg), ["S3 test event ignored", "task started"]);
        assert.equal(lines[1].requestId, "bundle-req");
    });

    it("a RunTask failure rejects the invocation (Lambda's retries and failure destination take over)", async () => {
        server.onRunTask = () => runTaskFailure("RESOURCE:MEMORY", `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc`);
        const result = await runBundle(bundle, { ...ENV, AWS_ENDPOINT_URL_ECS: server.endpoint }, [event(s3Record("uploads/x.csv"))]);
        assert.deepEqual(results(result.stdout), [
            `RESULT error TaskStartError: Could not start 1 of 1 task(s) — "uploads/x.csv" in bucket "data-bucket": RunTask failed: RESOURCE:MEMORY (arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc)`,
        ]);
    });

    it("GIVEN an invalid environment THEN every invocation fails naming the variable, and nothing is called", async () => {
        const { CLUSTER_ARN: _c, ...rest } = ENV;
        const result = await runBundle(bundle, { ...rest, AWS_ENDPOINT_URL_ECS: server.endpoint }, [event(s3Record("uploads/x.csv")), TEST_EVENT]);
        const message = "RESULT error TriggerConfigError: CLUSTER_ARN is not set; set it to the cluster's ARN (the LambdaTrigger component sets it)";
        assert.deepEqual(results(result.stdout), [message, message]);
        assert.equal(server.requests.length, 0);
        assert.match(result.stdout, /"msg":"invalid configuration"/);
    });
});
