/**
 * LambdaTrigger, the S3 → Lambda → ecs:RunTask trigger's component, in a small stack under mocks
 * (UploadBucket without EventBridge, a cluster, a task and the trigger): both policy packs over the
 * recorded resources, and the function's role proven with the IAM policy simulator
 * (`@cloud-copilot/iam-simulate`, AGPL, tests only).
 */
import { strict as assert } from "assert";
import { LambdaTrigger, LambdaTriggerArgs } from "../components/lambda-trigger";
import { ProcessingCluster } from "../components/processing-cluster";
import { ProcessorTask } from "../components/processor-task";
import { UploadBucket } from "../components/upload-bucket";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { sessionOf } from "./support/assertions";
import { ALLOW_ALL, Context, Outcome, simulateRequest } from "./support/iam-simulator";
import { REGION, SECURITY_GROUPS, SUBNETS } from "./support/lambda-trigger";

/** A small stack: UploadBucket (no EventBridge), cluster, task and the trigger, as index.ts would compose them. */
async function deployStack(transform?: LambdaTriggerArgs["transform"]): Promise<{ recorder: Recorder; trigger: LambdaTrigger; task: ProcessorTask }> {
    const recorder = await useMocks({ stack: "dev" });
    const bucket = new UploadBucket("uploads", { eventBridge: false });
    const cluster = new ProcessingCluster("processing", { capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 } });
    const task = new ProcessorTask("processor", {
        bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes },
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.0.0`,
    });
    const trigger = new LambdaTrigger("on-upload", {
        bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes },
        keySuffixes: [".csv"],
        cluster,
        task,
        network: { subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS },
        capacityProviderStrategy: cluster.capacityProviderStrategy,
        alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
        transform,
    });
    await settle();
    return { recorder, trigger, task };
}

describe("LambdaTrigger in a stack: both policy packs over the recorded resources", function () {
    this.timeout(30000);

    it("passes both packs with no finding on the trigger's resources, and the bucket has one notification configuration", async () => {
        const { recorder } = await deployStack();
        const notifications = recorder.ofType("aws:s3/bucketNotification:BucketNotification");
        assert.deepEqual(notifications.map((n) => n.name), ["on-upload-notifications"]);
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        const own = findings.filter((f) => f.resourceName?.startsWith("on-upload") && f.policy !== "log-group-kms-encryption");
        assert.deepEqual(own.map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
    });

    it("GIVEN the log group's retention removed by a transform THEN the log-retention pack flags it (the packs see the trigger)", async () => {
        const { recorder } = await deployStack({ logGroup: (a) => ({ ...a, retentionInDays: undefined }) });
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}`),
            ["log-group-retention: on-upload-logs"],
        );
    });

    it("GIVEN the function pointed at another log group THEN the log-retention pack flags the function", async () => {
        const { recorder } = await deployStack({ function: (a) => ({ ...a, loggingConfig: { logFormat: "Text", logGroup: "/aws/lambda/elsewhere" } }) });
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => f.policy),
            ["lambda-log-group-managed"],
        );
    });
});

describe("LambdaTrigger's role, proven with the IAM policy simulator", function () {
    this.timeout(60000);
    let policy: any;
    let principal: string;
    let clusterArn: string;
    let taskDefinitionArn: string;
    let executionRoleArn: string;
    let taskRoleArn: string;
    let functionRoleArn: string;
    let logGroupArn: string;
    let queueArn: string;

    before(async () => {
        const { recorder, task } = await deployStack();
        policy = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "on-upload-policy").inputs.policy);
        functionRoleArn = recorder.one("aws:iam/role:Role", "on-upload-role").state.arn;
        principal = sessionOf(functionRoleArn);
        clusterArn = recorder.one("aws:ecs/cluster:Cluster").state.arn;
        taskDefinitionArn = await valueOf(task.taskDefinitionArn);
        executionRoleArn = await valueOf(task.executionRoleArn);
        taskRoleArn = await valueOf(task.taskRoleArn);
        logGroupArn = recorder.one("aws:cloudwatch/logGroup:LogGroup", "on-upload-logs").state.arn;
        queueArn = recorder.one("aws:sqs/queue:Queue", "on-upload-dlq").state.arn;
    });

    function evaluate(who: string, doc: unknown, action: string, resource: string, context: Context = {}): Promise<Outcome> {
        return simulateRequest({ principal: who, policies: [doc], action, resource, context });
    }
    async function allowed(action: string, resource: string, context?: Context): Promise<void> {
        assert.equal(await evaluate(principal, policy, action, resource, context), "Allowed", `${action} on ${resource} ${JSON.stringify(context ?? {})}`);
    }
    /** Denied to the trigger's role, while an allow-all principal is allowed the same request (so the denial is the policy's). */
    async function denied(action: string, resource: string, context?: Context): Promise<void> {
        assert.equal(await evaluate(principal, policy, action, resource, context), "ImplicitlyDenied", `${action} on ${resource} ${JSON.stringify(context ?? {})}`);
        assert.equal(await evaluate(sessionOf(`arn:aws:iam::${ACCOUNT}:role/admin`), ALLOW_ALL, action, resource, context), "Allowed", `control for ${action} on ${resource}`);
    }
    const revision = (n: number) => taskDefinitionArn.replace(/:\d+$/, `:${n}`);
    const TO_ECS_TASKS = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
    const taskIn = (cluster: string) => `${cluster.replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`;

    it("can run any revision of the processor's family, in its cluster only", async () => {
        await allowed("ecs:RunTask", revision(1), { "ecs:cluster": clusterArn });
        await allowed("ecs:RunTask", revision(12), { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other` });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `${clusterArn}-2` });
        await denied("ecs:RunTask", taskDefinitionArn.replace(/task-definition\/([^:]+):/, "task-definition/$1-admin:"), { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/other-family:1`, { "ecs:cluster": clusterArn });
    });

    it("can pass only the task's execution and task roles, and only to ECS tasks", async () => {
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", functionRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/AdministratorRole`, TO_ECS_TASKS);
        await denied("iam:PassRole", `${taskRoleArn}-2`, TO_ECS_TASKS);
        await denied("iam:PassRole", taskRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" });
    });

    it("can tag only the tasks it starts, as part of RunTask, in its cluster", async () => {
        await allowed("ecs:TagResource", taskIn(clusterArn), { "ecs:CreateAction": "RunTask" });
        await denied("ecs:TagResource", taskIn(clusterArn));
        await denied("ecs:TagResource", taskIn(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`), { "ecs:CreateAction": "RunTask" });
    });

    it("can write its own log group and send to its own dead-letter queue, nothing else", async () => {
        await allowed("logs:PutLogEvents", `${logGroupArn}:log-stream:2026/03/14/[$LATEST]abcdef`);
        await allowed("logs:CreateLogStream", `${logGroupArn}:log-stream:2026/03/14/[$LATEST]abcdef`);
        await denied("logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/s3-fargate-pipeline-dev-processor:log-stream:x`);
        await denied("logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/anything`);
        await allowed("sqs:SendMessage", queueArn);
        await denied("sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:another-queue`);
    });

    it("cannot stop tasks, register task definitions or read the bucket", async () => {
        await denied("ecs:StopTask", taskIn(clusterArn), { "ecs:cluster": clusterArn });
        await denied("ecs:RegisterTaskDefinition", "*");
        await denied("s3:GetObject", "arn:aws:s3:::data-bucket/uploads/x.csv");
    });
});
