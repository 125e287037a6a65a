/**
 * The CI roles in an IAM policy simulator against the program's resources (index.ts under Pulumi mocks):
 * the deploy role can create, change and delete every resource the stacks declare and nothing else; the
 * preview role can read them and change none.
 */
import { strict as assert } from "assert";
import { runProgram } from "../policy/offline/program";
import { CI_ROLE_NAMES, PROJECT } from "../deploy/github-oidc-role/policies";
import { ACCOUNT, Recorded, stackConfig } from "./mocks";
import { regionOf, stacksOnDisk } from "./support/workflows";
import { AUTONAME_SUFFIX, Deployment, Needs, Request, Role, control, roles, simulate } from "./support/ci-role-simulation";
import { Outcome } from "./support/iam-simulator";

/**
 * The stacks the roles must cover: dev and prod as configured, and dev with each option its config
 * offers (the Slack notifier, the Lambda trigger, the queue worker service; not kubernetes).
 */
const PROGRAM_RUNS: { label: string; stack: string; config?: () => Record<string, string>; secretKeys?: string[] }[] = [
    ...stacksOnDisk().map((stack) => ({ label: stack, stack })),
    {
        label: "dev with Slack",
        stack: "dev",
        config: () => ({ ...stackConfig("dev"), [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/services/T0/B0/secret-part" }),
        secretKeys: [`${PROJECT}:slackWebhookUrl`],
    },
    { label: "dev with the Lambda trigger", stack: "dev", config: () => ({ ...stackConfig("dev"), [`${PROJECT}:trigger`]: "lambda" }) },
    { label: "dev with the queue worker service", stack: "dev", config: () => ({ ...stackConfig("dev"), [`${PROJECT}:trigger`]: "queue" }) },
];

for (const run of PROGRAM_RUNS) {
    describe(`the CI roles against the ${run.label} stack (index.ts under Pulumi mocks, IAM simulator)`, function () {
        this.timeout(180000);
        let deployment: Deployment;
        let role: ReturnType<typeof roles>;

        before(async () => {
            const { resources } = await runProgram({ stack: run.stack, config: run.config?.(), secretKeys: run.secretKeys });
            deployment = new Deployment(resources, regionOf(run.stack));
            role = roles(run.stack);
        });

        /** Runs each request; collects every mismatch so one failure names everything missing. */
        async function expectAll(who: Role, requests: { owner: string; req: Request }[], expected: Outcome): Promise<string[]> {
            const problems: string[] = [];
            for (const { owner, req } of requests) {
                const outcome = await simulate(who.arn, who.policies, req);
                if (outcome !== expected) {
                    problems.push(`${owner}: ${who.label} ${req.action} on ${req.resource}${req.context ? ` ${JSON.stringify(req.context)}` : ""} → ${outcome}, expected ${expected}`);
                } else if (expected === "ImplicitlyDenied") {
                    await control(req);
                }
            }
            return problems;
        }

        function requests(kind: keyof Needs): { owner: string; req: Request }[] {
            return deployment.records.flatMap((r) => (deployment.needs(r)?.[kind] ?? []).map((req) => ({ owner: `${r.type} ${r.name}`, req })));
        }

        it("knows what `pulumi up` does with every resource the stack declares", () => {
            const kinds = new Set(deployment.records.filter((r) => deployment.needs(r) !== undefined).map((r) => r.type));
            assert.ok(kinds.size >= 25, `only ${kinds.size} resource types`);
            assert.ok(requests("change").length >= 100);
        });

        it("the deploy role may create, change and delete each of them (and pass each role only to its service)", async () => {
            assert.deepEqual(await expectAll(role.deploy, requests("change"), "Allowed"), []);
        });

        it("both roles may read each of them (what `pulumi preview --refresh` reads)", async () => {
            assert.deepEqual(await expectAll(role.preview, requests("read"), "Allowed"), []);
            assert.deepEqual(await expectAll(role.deploy, requests("read"), "Allowed"), []);
        });

        it("the preview role may change none of them", async () => {
            assert.deepEqual(await expectAll(role.preview, requests("change"), "ImplicitlyDenied"), []);
        });

        it("the deploy role may not touch data, start compute, open inbound traffic or act outside the program", async () => {
            const of = (type: string) => deployment.records.find((r) => r.type === type) as Recorded;
            const bucket = deployment.arn(of("aws:s3/bucket:Bucket"));
            const taskRole = deployment.arn(deployment.records.find((r) => r.name === "processor-task-role") as Recorded);
            // The upload rule's (or the Lambda trigger's) role, which is never the tasks'.
            const targetRole = `arn:aws:iam::${ACCOUNT}:role/on-upload-role-${AUTONAME_SUFFIX}`;
            const taskDefinition = deployment.arn(of("aws:ecs/taskDefinition:TaskDefinition"));
            const group = deployment.arn(of("aws:ec2/securityGroup:SecurityGroup"));
            const queue = deployment.arn(of("aws:sqs/queue:Queue"));
            const key = deployment.arn(of("aws:kms/key:Key"));
            const other = (service: string, resource: string) => `arn:aws:${service}:${deployment.region}:${ACCOUNT}:${resource}`;
            const denied: Request[] = [
                { action: "s3:GetObject", resource: `${bucket}/uploads/day.csv` },
                { action: "s3:PutObject", resource: `${bucket}/uploads/day.csv` },
                { action: "s3:CreateBucket", resource: "arn:aws:s3:::another-teams-bucket" },
                { action: "s3:DeleteObject", resource: "arn:aws:s3:::another-teams-bucket/data.csv" },
                { action: "iam:CreateRole", resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
                { action: "iam:PutRolePolicy", resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
                { action: "iam:AttachRolePolicy", resource: taskRole },
                { action: "iam:CreatePolicyVersion", resource: `arn:aws:iam::${ACCOUNT}:policy/any` },
                { action: "iam:PassRole", resource: taskRole, context: { "iam:PassedToService": "ec2.amazonaws.com" } },
                { action: "iam:PassRole", resource: taskRole, context: { "iam:PassedToService": "lambda.amazonaws.com" } },
                { action: "iam:PassRole", resource: targetRole, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "iam:PassRole", resource: `arn:aws:iam::${ACCOUNT}:role/admin`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "ecs:RunTask", resource: taskDefinition },
                { action: "ec2:RunInstances", resource: other("ec2", "instance/*") },
                { action: "ec2:AuthorizeSecurityGroupIngress", resource: group },
                { action: "ec2:CreateVpc", resource: `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/*` },
                { action: "lambda:InvokeFunction", resource: other("lambda", `function:${PROJECT}-${run.stack}-monitoring-notifier`) },
                { action: "lambda:AddPermission", resource: other("lambda", `function:${PROJECT}-${run.stack}-monitoring-notifier`), context: { "lambda:Principal": "*" } },
                { action: "lambda:CreateFunction", resource: other("lambda", "function:another-function") },
                { action: "sqs:SendMessage", resource: queue },
                { action: "sqs:ReceiveMessage", resource: queue },
                { action: "sqs:CreateQueue", resource: other("sqs", "another-queue") },
                { action: "kms:Decrypt", resource: key, resourcePolicy: deployment.keyPolicy() },
                { action: "kms:Decrypt", resource: key, context: { "kms:ViaService": `dynamodb.${deployment.region}.amazonaws.com` }, resourcePolicy: deployment.keyPolicy() },
                { action: "secretsmanager:GetSecretValue", resource: other("secretsmanager", "secret:database-password-AbCdEf") },
                { action: "logs:DeleteLogGroup", resource: other("logs", "log-group:/aws/rds/cluster/db/postgresql") },
                { action: "events:PutRule", resource: other("events", "rule/another-rule") },
            ];
            assert.deepEqual(await expectAll(role.deploy, denied.map((req) => ({ owner: "outside the program", req })), "ImplicitlyDenied"), []);
        });

        it("the deploy role may use keys only through the services that encrypt the program's data", async () => {
            const key = deployment.arn(deployment.records.find((r) => r.type === "aws:kms/key:Key") as Recorded);
            for (const service of ["s3", "sqs", "sns", "secretsmanager"]) {
                const req = { action: "kms:GenerateDataKey", resource: key, context: { "kms:ViaService": `${service}.${deployment.region}.amazonaws.com` }, resourcePolicy: deployment.keyPolicy() };
                assert.equal(await simulate(role.deploy.arn, role.deploy.policies, req), "Allowed", service);
                assert.equal(await simulate(role.preview.arn, role.preview.policies, req), "ImplicitlyDenied", service);
            }
        });

        it("the deploy role can never change the CI roles, nor bypass a key policy's lockout check (explicit denies)", async () => {
            for (const name of Object.values(CI_ROLE_NAMES)) {
                for (const action of ["iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRole"]) {
                    assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action, resource: `arn:aws:iam::${ACCOUNT}:role/${name}` }), "ExplicitlyDenied", `${action} on ${name}`);
                }
            }
            const key = deployment.arn(deployment.records.find((r) => r.type === "aws:kms/key:Key") as Recorded);
            const resourcePolicy = deployment.keyPolicy();
            assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action: "kms:PutKeyPolicy", resource: key, context: { "kms:BypassPolicyLockoutSafetyCheck": "true" }, resourcePolicy }), "ExplicitlyDenied");
            assert.equal(await simulate(role.deploy.arn, role.deploy.policies, { action: "kms:PutKeyPolicy", resource: key, context: { "kms:BypassPolicyLockoutSafetyCheck": "false" }, resourcePolicy }), "Allowed");
        });

        // The requests app/src/smoke makes against this stack: its own objects, its own queue on the alert topic,
        // the program's dead-letter queues' depth, the rules' metrics.
        it("the smoke-check role may make the smoke check's requests, and touches nothing else", async () => {
            const config = run.config?.() ?? stackConfig(run.stack);
            const prefix = (key: string, fallback: string) => config[`${PROJECT}:${key}`] ?? fallback;
            const [upload, output, status] = [prefix("uploadPrefix", "uploads/"), prefix("outputPrefix", "processed/"), prefix("statusPrefix", "status/")];
            const bucket = deployment.arn(deployment.records.find((r) => r.type === "aws:s3/bucket:Bucket") as Recorded);
            const topic = deployment.arn(deployment.records.find((r) => r.type === "aws:sns/topic:Topic") as Recorded);
            const queues = deployment.records.filter((r) => r.type === "aws:sqs/queue:Queue").map((r) => deployment.arn(r));
            const own = `arn:aws:sqs:${deployment.region}:${ACCOUNT}:smoke-check-20261123T100000-a1b2c3`;
            const run_ = "20261123T100000-a1b2c3";
            const objects = [`${upload}smoke-check/${run_}/ok.csv`, `${status}smoke-check/${run_}/ok.csv.json`, `${output}smoke-check/${run_}/ok.csv.summary.json`, `${upload}smoke-check-slack/${run_}/must-fail.csv`];
            const allowed: Request[] = [
                ...objects.flatMap((key) => ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"].map((action) => ({ action, resource: `${bucket}/${key}` }))),
                ...objects.flatMap((key) => ["s3:ListBucket", "s3:ListBucketVersions"].map((action) => ({ action, resource: bucket, context: { "s3:prefix": key } }))),
                ...["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteQueue"].map((action) => ({ action, resource: own })),
                { action: "sns:Subscribe", resource: topic },
                { action: "sns:Unsubscribe", resource: topic },
                ...queues.map((q) => ({ action: "sqs:GetQueueAttributes", resource: q })),
                { action: "cloudwatch:GetMetricData", resource: "*" },
            ];
            assert.deepEqual(await expectAll(role.smoke, allowed.map((req) => ({ owner: "the smoke check", req })), "Allowed"), []);
            const denied: Request[] = [
                { action: "s3:GetObject", resource: `${bucket}/${upload}day.csv` },
                { action: "s3:PutObject", resource: `${bucket}/${upload}day.csv` },
                { action: "s3:DeleteObject", resource: `${bucket}/${output}day.csv.summary.json` },
                { action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": upload } },
                { action: "s3:PutObject", resource: "arn:aws:s3:::another-teams-bucket/smoke-check/x" },
                { action: "s3:PutBucketPolicy", resource: bucket },
                { action: "sns:Publish", resource: topic },
                { action: "sns:SetTopicAttributes", resource: topic },
                { action: "sns:Subscribe", resource: `arn:aws:sns:${deployment.region}:${ACCOUNT}:another-topic` },
                ...queues.flatMap((q) => [
                    { action: "sqs:ReceiveMessage", resource: q },
                    { action: "sqs:DeleteQueue", resource: q },
                    { action: "sqs:SendMessage", resource: q },
                    { action: "sqs:SetQueueAttributes", resource: q },
                ]),
                { action: "sqs:CreateQueue", resource: `arn:aws:sqs:${deployment.region}:${ACCOUNT}:another-queue` },
                { action: "ecs:RunTask", resource: deployment.arn(deployment.records.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition") as Recorded) },
                { action: "iam:PassRole", resource: `arn:aws:iam::${ACCOUNT}:role/processor-task-role-${AUTONAME_SUFFIX}`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                { action: "events:PutRule", resource: `arn:aws:events:${deployment.region}:${ACCOUNT}:rule/on-upload-rule-${AUTONAME_SUFFIX}` },
                { action: "cloudwatch:PutMetricAlarm", resource: `arn:aws:cloudwatch:${deployment.region}:${ACCOUNT}:alarm:monitoring-cpu-high-${AUTONAME_SUFFIX}` },
            ];
            assert.deepEqual(await expectAll(role.smoke, denied.map((req) => ({ owner: "outside the smoke check", req })), "ImplicitlyDenied"), []);
        });
    });
}
