/**
 * QueueWorkerService under both policy packs (everything it registers), and its queue permissions
 * proven with the IAM policy simulator (`@cloud-copilot/iam-simulate`, AGPL, tests only).
 */
import { strict as assert } from "assert";
import { WORKER_QUEUE_ACTIONS } from "../components/builders/queue-worker";
import { ProcessingCluster } from "../components/processing-cluster";
import { QueueWorkerService } from "../components/queue-worker-service";
import { UploadBucket } from "../components/upload-bucket";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, Recorder, settle, useMocks } from "./mocks";
import { sessionOf } from "./support/assertions";
import { ALLOW_ALL, Context, Outcome, simulateRequest } from "./support/iam-simulator";
import { BUCKET, IMAGE, KEY_ARN, NETWORK, REGION, TOPIC_ARN, baseArgs } from "./support/queue-worker";

describe("QueueWorkerService under both policy packs", () => {
    async function findings(build: () => void): Promise<{ recorder: Recorder; found: Awaited<ReturnType<typeof evaluatePacks>> }> {
        const recorder = await useMocks();
        build();
        await settle();
        return { recorder, found: await evaluatePacks([...PACKS], recorder.all()) };
    }

    it("passes every mandatory rule with a bucket, a cluster, a feed, a CMK and an alarm topic; only the advisory CMK-for-logs note remains", async () => {
        const { recorder, found } = await findings(() => {
            const bucket = new UploadBucket("files");
            const cluster = new ProcessingCluster("compute");
            new QueueWorkerService("jobs", {
                cluster,
                network: NETWORK,
                task: { bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes }, image: IMAGE },
                feed: { bucket },
                kmsKeyArn: KEY_ARN,
                alarmTopicArn: TOPIC_ARN,
            });
        });
        assert.ok(recorder.ofType("aws:iam/rolePolicy:RolePolicy").some((p) => p.name === "jobs-queue-access"));
        assert.deepEqual(found.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        // The packs did look at the worker's resources: the one advisory finding is about its log group.
        assert.deepEqual(found.map((f) => `${f.policy}: ${f.resourceName}`), ["log-group-kms-encryption: jobs-processor-logs"]);
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
    });

    it("flags a queue policy opened to everyone and a worker log group without retention (the packs see the component's children)", async () => {
        const { found } = await findings(() => {
            new QueueWorkerService("jobs", baseArgs({
                task: { bucket: BUCKET, image: IMAGE, transform: { logGroup: (a) => ({ ...a, retentionInDays: undefined }) } },
                transform: {
                    queuePolicy: (a) => ({
                        ...a,
                        policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" }] }),
                    }),
                },
            }));
        });
        const mandatory = found.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}`);
        assert.deepEqual(mandatory.sort(), ["log-group-retention: jobs-processor-logs", "resource-policy-no-public-access: jobs-queue-policy"]);
    });
});

// ---------------------------------------------------------------------------------------------

describe("the worker's queue permissions, proven with the IAM policy simulator", function () {
    this.timeout(60000);

    interface Deployed {
        workerPolicy: any;
        queuePolicy: any;
        dlqPolicy: any;
        queueArn: string;
        dlqArn: string;
        ruleArn: string;
        taskRoleArn: string;
    }
    let d: Deployed;

    before(async () => {
        const recorder = await useMocks();
        new QueueWorkerService("jobs", baseArgs({ feed: {}, kmsKeyArn: KEY_ARN }));
        await settle();
        const policy = (name: string) => {
            const raw = recorder.one(name.endsWith("access") ? "aws:iam/rolePolicy:RolePolicy" : "aws:sqs/queuePolicy:QueuePolicy", name).inputs.policy;
            assert.equal(typeof raw, "string", `${name}: policy should be a JSON string`);
            return JSON.parse(raw);
        };
        d = {
            workerPolicy: policy("jobs-queue-access"),
            queuePolicy: policy("jobs-queue-policy"),
            dlqPolicy: policy("jobs-dlq-policy"),
            queueArn: recorder.one("aws:sqs/queue:Queue", "jobs-queue").state.arn,
            dlqArn: recorder.one("aws:sqs/queue:Queue", "jobs-dlq").state.arn,
            ruleArn: recorder.one("aws:cloudwatch/eventRule:EventRule").state.arn,
            taskRoleArn: recorder.one("aws:iam/role:Role", "jobs-processor-task-role").state.arn,
        };
    });

    const otherQueue = `arn:aws:sqs:${REGION}:${ACCOUNT}:some-other-queue`;
    /** A key policy that lets the account's IAM policies decide, as KMS's default key policy does. */
    const DEFAULT_KEY_POLICY = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
    };

    function resourcePolicyFor(resource: string): any | undefined {
        return resource === d.queueArn ? d.queuePolicy : resource === d.dlqArn ? d.dlqPolicy : resource === KEY_ARN ? DEFAULT_KEY_POLICY : undefined;
    }

    function evaluate(principal: string, identityPolicy: unknown, action: string, resource: string, context: Context = {}): Promise<Outcome> {
        const policies = identityPolicy === undefined ? [] : [identityPolicy];
        return simulateRequest({ principal, policies, action, resource, context: { "aws:SecureTransport": "true", ...context }, resourcePolicy: resourcePolicyFor(resource) });
    }

    const worker = (action: string, resource: string, context?: Record<string, string>) => evaluate(sessionOf(d.taskRoleArn), d.workerPolicy, action, resource, context);

    /** Denied for the worker, and allowed for an allow-all principal with the same resource policy (so the denial is the worker policy's doing). */
    async function deniedToWorker(action: string, resource: string, context?: Record<string, string>): Promise<void> {
        assert.equal(await worker(action, resource, context), "ImplicitlyDenied", `${action} on ${resource}`);
        const control = await evaluate(sessionOf(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`), ALLOW_ALL, action, resource, context);
        assert.equal(control, "Allowed", `control: allow-all should be allowed ${action} on ${resource}; the denial proves nothing`);
    }

    it("the worker may receive, delete, extend and read the attributes of messages on its queue", async () => {
        for (const action of WORKER_QUEUE_ACTIONS) {
            assert.equal(await worker(action, d.queueArn), "Allowed", action);
        }
    });

    it("the worker may not do the same on the dead-letter queue or another queue", async () => {
        for (const action of WORKER_QUEUE_ACTIONS) {
            await deniedToWorker(action, d.dlqArn);
            await deniedToWorker(action, otherQueue);
        }
    });

    it("the worker may not send, purge, reconfigure or delete its queue", async () => {
        for (const action of ["sqs:SendMessage", "sqs:PurgeQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:StartMessageMoveTask"]) {
            await deniedToWorker(action, d.queueArn);
        }
    });

    it("nobody, not even the worker, reaches the queues over plain HTTP", async () => {
        assert.equal(await worker("sqs:ReceiveMessage", d.queueArn, { "aws:SecureTransport": "false" }), "ExplicitlyDenied");
        const admin = sessionOf(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`);
        assert.equal(await evaluate(admin, ALLOW_ALL, "sqs:ReceiveMessage", d.dlqArn, { "aws:SecureTransport": "false" }), "ExplicitlyDenied");
    });

    it("the worker may decrypt with the queue's key only through SQS, and no other key", async () => {
        assert.equal(await worker("kms:Decrypt", KEY_ARN, { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "Allowed");
        assert.equal(await worker("kms:Decrypt", KEY_ARN, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await worker("kms:Decrypt", KEY_ARN), "ImplicitlyDenied");
        assert.equal(await worker("kms:Decrypt", KEY_ARN.replace(/key\/.*/, "key/other"), { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await worker("kms:GenerateDataKey", KEY_ARN, { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
    });

    it("EventBridge may send to the work queue for the feed rule only, and never to the dead-letter queue", async () => {
        const events = "events.amazonaws.com";
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": d.ruleArn }), "Allowed");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": `${d.ruleArn}-2` }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": d.ruleArn.replace(/rule\/.*/, "rule/other") }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.dlqArn, { "aws:SourceArn": d.ruleArn }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:ReceiveMessage", d.queueArn, { "aws:SourceArn": d.ruleArn }), "ImplicitlyDenied");
    });
});
