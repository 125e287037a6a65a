/**
 * Least privilege, proven with an IAM policy simulator.
 *
 * The policies are not rewritten here: index.ts runs under Pulumi mocks with the dev stack's config
 * (as `pulumi preview` would), and the role policies, the bucket policy and every ARN are taken from
 * what the program registered. Each request is then evaluated by `@cloud-copilot/iam-simulate`, which
 * applies AWS's evaluation logic (actions, resource ARN matching, condition operators, explicit and
 * implicit deny, resource policies).
 *
 * `@cloud-copilot/iam-simulate` is AGPL-licensed and a devDependency: it is used by tests only and
 * must never be imported from product code.
 *
 * Every "denied" check is paired with a control: the same request, with the same resource policy,
 * is simulated for a principal whose identity policy allows everything, and must be Allowed. So a
 * denial here is caused by the program's policy, never by a malformed request the simulator rejects
 * or a resource policy that blocks everyone.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { ACCOUNT, PROJECT, ROOT, Recorder, parseDoc, settle, stackConfig, useMocks } from "./mocks";
import { sessionOf } from "./support/assertions";
import { ALLOW_ALL, Context, simulateRequest } from "./support/iam-simulator";

const INDEX = path.join(ROOT, "index.ts");
const REGION = "eu-west-1";

/** A principal as the simulator sees it: the role's session, with the role's inline policy. */
interface Principal {
    label: string;
    arn: string;
    policy: any;
}

interface Request {
    action: string;
    resource: string;
    context?: Context;
}

/** What the program registered, read from the recorder. */
interface Deployed {
    taskPolicy: any;
    targetPolicy: any;
    executionPolicy: any;
    bucketPolicy: any;
    bucketName: string;
    bucketArn: string;
    family: string;
    taskDefinitionArn: string;
    clusterArn: string;
    executionRoleArn: string;
    taskRoleArn: string;
    targetRoleArn: string;
    logGroupArn: string;
    repositoryArn: string;
    /** The processor container's `command` in the task definition (processor.command). */
    command?: string[];
}

/** The dev stack's program under mocks, with `extra` stack config values (project keys, JSON for structured ones). */
async function deployDev(extra: Record<string, unknown> = {}): Promise<Deployed> {
    const config = { ...stackConfig("dev") };
    for (const [k, v] of Object.entries(extra)) {
        config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const recorder: Recorder = await useMocks({ stack: "dev", config });
    delete require.cache[require.resolve(INDEX)];
    require(INDEX);
    await settle();

    const policy = (name: string) => {
        const raw = recorder.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy;
        assert.equal(typeof raw, "string", `${name}: policy should be a JSON string`);
        return parseDoc(raw);
    };
    const roleArn = (name: string) => recorder.one("aws:iam/role:Role", name).state.arn as string;
    const bucket = recorder.one("aws:s3/bucket:Bucket");
    const taskDef = recorder.one("aws:ecs/taskDefinition:TaskDefinition");
    return {
        taskPolicy: policy("processor-task-policy"),
        targetPolicy: policy("on-upload-role-policy"),
        executionPolicy: policy("processor-execution-policy"),
        bucketPolicy: parseDoc(recorder.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy),
        bucketName: bucket.state.bucket,
        bucketArn: bucket.state.arn,
        family: taskDef.inputs.family,
        taskDefinitionArn: taskDef.state.arn,
        clusterArn: recorder.one("aws:ecs/cluster:Cluster").state.arn,
        executionRoleArn: roleArn("processor-execution-role"),
        taskRoleArn: roleArn("processor-task-role"),
        targetRoleArn: roleArn("on-upload-role"),
        logGroupArn: recorder.one("aws:cloudwatch/logGroup:LogGroup").state.arn,
        repositoryArn: recorder.one("aws:ecr/repository:Repository").state.arn,
        command: JSON.parse(taskDef.inputs.containerDefinitions)[0].command,
    };
}

/** The session ARN a task or EventBridge gets when it assumes the role. */
describe("least privilege, proven with the IAM policy simulator (dev stack)", function () {
    this.timeout(60000);

    let d: Deployed;
    let task: Principal;
    let target: Principal;
    let execution: Principal;

    /** The bucket policy applies to requests on this bucket (and its objects), and only to them. */
    function resourcePolicyFor(resource: string): any | undefined {
        return resource === d.bucketArn || resource.startsWith(`${d.bucketArn}/`) ? d.bucketPolicy : undefined;
    }

    /** Runs one request; fails loudly on simulator errors or context keys the simulator ignored. */
    async function evaluate(principalArn: string, policy: any, req: Request): Promise<string> {
        const resourcePolicy = resourcePolicyFor(req.resource);
        const context: Context = { ...(req.context ?? {}) };
        // Requests on the bucket are made over TLS (the bucket policy denies anything else).
        if (resourcePolicy && !("aws:SecureTransport" in context)) context["aws:SecureTransport"] = "true";
        return simulateRequest({ principal: principalArn, policies: [policy], action: req.action, resource: req.resource, context, resourcePolicy });
    }

    async function allowed(who: Principal, req: Request): Promise<void> {
        const result = await evaluate(who.arn, who.policy, req);
        assert.equal(result, "Allowed", `${who.label}: expected ${req.action} on ${req.resource} ${JSON.stringify(req.context ?? {})} to be Allowed, got ${result}`);
    }

    async function denied(who: Principal, req: Request, expected: "ImplicitlyDenied" | "ExplicitlyDenied" = "ImplicitlyDenied"): Promise<void> {
        const result = await evaluate(who.arn, who.policy, req);
        assert.equal(result, expected, `${who.label}: expected ${req.action} on ${req.resource} ${JSON.stringify(req.context ?? {})} to be ${expected}, got ${result}`);
        if (expected === "ImplicitlyDenied") {
            const control = await evaluate(sessionOf(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`), ALLOW_ALL, req);
            assert.equal(control, "Allowed", `control: an allow-all principal should be allowed ${req.action} on ${req.resource}; the denial above proves nothing`);
        }
    }

    const object = (key: string) => `${d.bucketArn}/${key}`;
    const otherBucket = (key?: string) => `arn:aws:s3:::some-other-bucket${key === undefined ? "" : `/${key}`}`;
    /** A bucket whose name starts with ours: a prefix match on the bucket name would leak into it. */
    const siblingBucket = (key: string) => `${d.bucketArn}-archive/${key}`;
    const revision = (n: number) => d.taskDefinitionArn.replace(/:\d+$/, `:${n}`);
    const otherRole = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
    /** A task ARN (long format) in the given cluster. */
    const taskIn = (clusterArn: string) => `${clusterArn.replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`;
    const TO_ECS_TASKS = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };

    before(async () => {
        d = await deployDev();
        task = { label: "task role", arn: sessionOf(d.taskRoleArn), policy: d.taskPolicy };
        target = { label: "EventBridge target role", arn: sessionOf(d.targetRoleArn), policy: d.targetPolicy };
        execution = { label: "execution role", arn: sessionOf(d.executionRoleArn), policy: d.executionPolicy };
    });

    it("reads its inputs from the program as deployed (dev stack ARNs, one account, one region)", () => {
        assert.equal(d.bucketArn, `arn:aws:s3:::${d.bucketName}`);
        assert.equal(d.taskDefinitionArn, `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${d.family}:1`);
        assert.match(d.clusterArn, new RegExp(`^arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/`));
        assert.match(d.logGroupArn, new RegExp(`^arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/`));
        assert.match(d.repositoryArn, new RegExp(`^arn:aws:ecr:${REGION}:${ACCOUNT}:repository/`));
        for (const p of [d.taskPolicy, d.targetPolicy, d.executionPolicy]) {
            assert.equal(p.Version, "2012-10-17");
            assert.ok(Array.isArray(p.Statement) && p.Statement.length > 0);
        }
    });

    describe("the task role (processor container)", () => {
        it("can read an uploaded file under uploads/", async () => {
            await allowed(task, { action: "s3:GetObject", resource: object("uploads/x.csv") });
            await allowed(task, { action: "s3:GetObject", resource: object("uploads/2024/07/day.csv.gz") });
        });

        it("can read an uploaded file whose key has spaces and non-ASCII characters", async () => {
            await allowed(task, { action: "s3:GetObject", resource: object("uploads/Q3 report – Zürich 日本.csv") });
        });

        it("can write the summary under processed/ and the status document under status/", async () => {
            await allowed(task, { action: "s3:PutObject", resource: object("processed/x.csv.summary.json") });
            await allowed(task, { action: "s3:PutObject", resource: object("status/x.csv.json") });
        });

        it("can abort its own multipart upload of a summary under processed/", async () => {
            await allowed(task, { action: "s3:AbortMultipartUpload", resource: object("processed/x.csv.summary.json") });
        });

        it("can list the bucket only with the prefix uploads/ or status/", async () => {
            await allowed(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "uploads/" } });
            await allowed(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "uploads/2024/" } });
            await allowed(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "status/x.csv.json" } });
        });

        it("cannot list the bucket with the prefix processed/, or with no prefix", async () => {
            await denied(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "processed/" } });
            await denied(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "statusx/" } });
            await denied(task, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "" } });
            await denied(task, { action: "s3:ListBucket", resource: d.bucketArn });
        });

        it("cannot delete any object", async () => {
            for (const key of ["uploads/x.csv", "processed/x.csv.summary.json", "status/x.csv.json", "other/x"]) {
                await denied(task, { action: "s3:DeleteObject", resource: object(key) });
            }
        });

        it("cannot overwrite or add uploads (no PutObject under uploads/ or outside its output prefixes)", async () => {
            await denied(task, { action: "s3:PutObject", resource: object("uploads/x.csv") });
            await denied(task, { action: "s3:PutObject", resource: object("x.csv") });
            await denied(task, { action: "s3:PutObject", resource: object("processedx/x.csv.summary.json") });
        });

        it("can read its own status documents (duplicate-event check, attempt count)", async () => {
            await allowed(task, { action: "s3:GetObject", resource: object("status/x.csv.json") });
        });

        it("cannot read back summaries under processed/, nor anything outside uploads/ and status/", async () => {
            await denied(task, { action: "s3:GetObject", resource: object("processed/x.csv.summary.json") });
            await denied(task, { action: "s3:GetObject", resource: object("statusx/x.csv.json") });
            await denied(task, { action: "s3:GetObject", resource: object("uploadsx/x.csv") });
        });

        it("cannot read or write objects in any other bucket, including one whose name starts with its bucket's", async () => {
            for (const resource of [otherBucket("uploads/x.csv"), siblingBucket("uploads/x.csv")]) {
                await denied(task, { action: "s3:GetObject", resource });
            }
            for (const resource of [otherBucket("processed/x.csv.summary.json"), siblingBucket("status/x.csv.json")]) {
                await denied(task, { action: "s3:PutObject", resource });
            }
            await denied(task, { action: "s3:ListBucket", resource: otherBucket(), context: { "s3:prefix": "uploads/" } });
        });

        it("cannot change the bucket's policy or any object's ACL", async () => {
            await denied(task, { action: "s3:PutBucketPolicy", resource: d.bucketArn });
            await denied(task, { action: "s3:DeleteBucketPolicy", resource: d.bucketArn });
            await denied(task, { action: "s3:PutObjectAcl", resource: object("processed/x.csv.summary.json") });
            await denied(task, { action: "s3:PutObjectAcl", resource: object("uploads/x.csv") });
        });

        it("cannot do anything outside S3 (SQS, IAM, ECS, SSM)", async () => {
            await denied(task, { action: "sqs:SendMessage", resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:on-upload-dlq-q1` });
            await denied(task, { action: "iam:PassRole", resource: d.taskRoleArn, context: TO_ECS_TASKS });
            await denied(task, { action: "ecs:RunTask", resource: d.taskDefinitionArn, context: { "ecs:cluster": d.clusterArn } });
            await denied(task, { action: "ssm:GetParameter", resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/database-password` });
        });

        it("is still refused by the bucket policy over plain HTTP, even where its own policy allows", async () => {
            await denied(task, { action: "s3:GetObject", resource: object("uploads/x.csv"), context: { "aws:SecureTransport": "false" } }, "ExplicitlyDenied");
            await denied(task, { action: "s3:PutObject", resource: object("status/x.csv.json"), context: { "aws:SecureTransport": "false" } }, "ExplicitlyDenied");
        });
    });

    describe("the EventBridge target role", () => {
        it("can run the pipeline's task definition, revision 1 and later revisions of the family, on its cluster", async () => {
            assert.equal(revision(1), d.taskDefinitionArn);
            await allowed(target, { action: "ecs:RunTask", resource: revision(1), context: { "ecs:cluster": d.clusterArn } });
            await allowed(target, { action: "ecs:RunTask", resource: revision(7), context: { "ecs:cluster": d.clusterArn } });
        });

        it("cannot run the task on another cluster", async () => {
            await denied(target, { action: "ecs:RunTask", resource: revision(1), context: { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other-cluster` } });
            await denied(target, { action: "ecs:RunTask", resource: revision(1), context: { "ecs:cluster": `${d.clusterArn}-2` } });
        });

        it("cannot run another family's task definition, even on its cluster", async () => {
            const other = (family: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:1`;
            await denied(target, { action: "ecs:RunTask", resource: other("some-other-family"), context: { "ecs:cluster": d.clusterArn } });
            await denied(target, { action: "ecs:RunTask", resource: other(`${d.family}-admin`), context: { "ecs:cluster": d.clusterArn } });
        });

        it("cannot run the task when the request names no cluster", async () => {
            await denied(target, { action: "ecs:RunTask", resource: revision(1) });
        });

        it("can pass exactly the execution role and the task role, to ECS tasks", async () => {
            await allowed(target, { action: "iam:PassRole", resource: d.executionRoleArn, context: TO_ECS_TASKS });
            await allowed(target, { action: "iam:PassRole", resource: d.taskRoleArn, context: TO_ECS_TASKS });
        });

        it("cannot pass any third role, including itself", async () => {
            await denied(target, { action: "iam:PassRole", resource: otherRole("AdministratorRole"), context: TO_ECS_TASKS });
            await denied(target, { action: "iam:PassRole", resource: d.targetRoleArn, context: TO_ECS_TASKS });
            await denied(target, { action: "iam:PassRole", resource: `${d.taskRoleArn}-2`, context: TO_ECS_TASKS });
        });

        it("cannot pass the task's roles to another service (lambda) or without naming the service", async () => {
            await denied(target, { action: "iam:PassRole", resource: d.taskRoleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } });
            await denied(target, { action: "iam:PassRole", resource: d.executionRoleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } });
            await denied(target, { action: "iam:PassRole", resource: d.taskRoleArn });
        });

        it("can tag the tasks it starts in its cluster, as part of RunTask", async () => {
            await allowed(target, { action: "ecs:TagResource", resource: taskIn(d.clusterArn), context: { "ecs:CreateAction": "RunTask" } });
        });

        it("cannot tag existing tasks, tasks in another cluster, or the cluster itself", async () => {
            await denied(target, { action: "ecs:TagResource", resource: taskIn(d.clusterArn) });
            await denied(target, { action: "ecs:TagResource", resource: taskIn(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other-cluster`), context: { "ecs:CreateAction": "RunTask" } });
            await denied(target, { action: "ecs:TagResource", resource: d.clusterArn, context: { "ecs:CreateAction": "RunTask" } });
        });

        it("cannot stop tasks, register task definitions or read the bucket", async () => {
            await denied(target, { action: "ecs:StopTask", resource: taskIn(d.clusterArn), context: { "ecs:cluster": d.clusterArn } });
            await denied(target, { action: "ecs:RegisterTaskDefinition", resource: "*" });
            await denied(target, { action: "s3:GetObject", resource: object("uploads/x.csv") });
        });
    });

    describe("the execution role (image pull and logs)", () => {
        it("can get an ECR authorization token (an action that only takes '*')", async () => {
            await allowed(execution, { action: "ecr:GetAuthorizationToken", resource: "*" });
        });

        it("can pull the image from its own repository", async () => {
            await allowed(execution, { action: "ecr:BatchGetImage", resource: d.repositoryArn });
            await allowed(execution, { action: "ecr:GetDownloadUrlForLayer", resource: d.repositoryArn });
        });

        it("cannot pull from another repository, or push to its own", async () => {
            await denied(execution, { action: "ecr:BatchGetImage", resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/some-other-repository` });
            await denied(execution, { action: "ecr:BatchGetImage", resource: `${d.repositoryArn}-2` });
            await denied(execution, { action: "ecr:PutImage", resource: d.repositoryArn });
        });

        it("can write log events to a stream of its log group", async () => {
            await allowed(execution, { action: "logs:PutLogEvents", resource: `${d.logGroupArn}:log-stream:processor/processor/0123456789abcdef` });
            await allowed(execution, { action: "logs:CreateLogStream", resource: `${d.logGroupArn}:log-stream:processor/processor/0123456789abcdef` });
        });

        it("cannot write log events to another log group, including one whose name starts with its group's", async () => {
            await denied(execution, { action: "logs:PutLogEvents", resource: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/some-other-service:log-stream:x` });
            await denied(execution, { action: "logs:PutLogEvents", resource: `${d.logGroupArn}-admin:log-stream:x` });
        });

        it("cannot read uploads from the bucket", async () => {
            await denied(execution, { action: "s3:GetObject", resource: object("uploads/x.csv") });
        });
    });

    describe("the task role with your own command (processor.command set)", () => {
        const COMMAND = ["python3", "/app/job/main.py"];
        let c: Deployed;
        let taskWithCommand: Principal;

        before(async () => {
            c = await deployDev({ processor: { command: COMMAND } });
            taskWithCommand = { label: "task role (command)", arn: sessionOf(c.taskRoleArn), policy: c.taskPolicy };
        });

        it("runs the command in the task definition, with exactly the roles' policies of the stack without one", () => {
            assert.deepEqual(c.command, COMMAND);
            assert.equal(d.command, undefined, "the dev stack runs the image's CMD (the summariser)");
            assert.equal(c.bucketArn, d.bucketArn);
            assert.deepEqual(c.taskPolicy, d.taskPolicy);
            assert.deepEqual(c.executionPolicy, d.executionPolicy);
            assert.deepEqual(c.targetPolicy, d.targetPolicy);
        });

        it("can read the upload and write the command's outputs under processed/<name>/ and the status", async () => {
            await allowed(taskWithCommand, { action: "s3:GetObject", resource: object("uploads/2026/day.csv") });
            await allowed(taskWithCommand, { action: "s3:PutObject", resource: object("processed/2026/day.csv/totals.csv") });
            await allowed(taskWithCommand, { action: "s3:PutObject", resource: object("processed/2026/day.csv/charts/by region.png") });
            await allowed(taskWithCommand, { action: "s3:AbortMultipartUpload", resource: object("processed/2026/day.csv/big.parquet") });
            await allowed(taskWithCommand, { action: "s3:PutObject", resource: object("status/2026/day.csv.json") });
        });

        it("cannot read its outputs back or delete them: a staging prefix copied into place (CopyObject reads its source) could not work, so the status is the manifest", async () => {
            await denied(taskWithCommand, { action: "s3:GetObject", resource: object("processed/2026/day.csv/totals.csv") });
            await denied(taskWithCommand, { action: "s3:DeleteObject", resource: object("processed/.staging/2026/day.csv/totals.csv") });
            await denied(taskWithCommand, { action: "s3:ListBucket", resource: d.bucketArn, context: { "s3:prefix": "processed/2026/day.csv/" } });
        });

        it("cannot write under uploads/ (its outputs would start another run) or outside its prefixes", async () => {
            await denied(taskWithCommand, { action: "s3:PutObject", resource: object("uploads/2026/day.csv/totals.csv") });
            await denied(taskWithCommand, { action: "s3:PutObject", resource: object("tmp/totals.csv") });
            await denied(taskWithCommand, { action: "s3:PutObject", resource: otherBucket("processed/2026/day.csv/totals.csv") });
        });
    });

    describe("the task role with byte-range shards (processor.shardAboveBytes set)", () => {
        let sh: Deployed;
        let coordinator: Principal;

        before(async () => {
            sh = await deployDev({ processor: { shardAboveBytes: 10 * 2 ** 30 } });
            coordinator = { label: "task role (sharding)", arn: sessionOf(sh.taskRoleArn), policy: sh.taskPolicy };
        });

        it("keeps every grant of the stack without sharding, and the other roles' policies unchanged", () => {
            const sids = (p: { Statement: { Sid?: string }[] }) => p.Statement.map((st) => st.Sid);
            assert.deepEqual(sids(sh.taskPolicy), [...sids(d.taskPolicy), "ShardPartials", "ListShardPartials", "RunTask", "PassTaskRoles"]);
            assert.deepEqual(sh.targetPolicy, d.targetPolicy);
            assert.deepEqual(sh.executionPolicy, d.executionPolicy);
        });

        it("can start shards of its own task definition family, any revision, on its own cluster", async () => {
            await allowed(coordinator, { action: "ecs:RunTask", resource: sh.taskDefinitionArn, context: { "ecs:cluster": sh.clusterArn } });
            await allowed(coordinator, { action: "ecs:RunTask", resource: sh.taskDefinitionArn.replace(/:\d+$/, ":12"), context: { "ecs:cluster": sh.clusterArn } });
        });

        it("cannot start tasks on another cluster, of another family, or without naming the cluster", async () => {
            await denied(coordinator, { action: "ecs:RunTask", resource: sh.taskDefinitionArn, context: { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other-cluster` } });
            await denied(coordinator, { action: "ecs:RunTask", resource: sh.taskDefinitionArn, context: { "ecs:cluster": `${sh.clusterArn}-2` } });
            await denied(coordinator, { action: "ecs:RunTask", resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${sh.family}-admin:1`, context: { "ecs:cluster": sh.clusterArn } });
            await denied(coordinator, { action: "ecs:RunTask", resource: sh.taskDefinitionArn });
        });

        it("can pass exactly its own two roles, only to ECS tasks", async () => {
            await allowed(coordinator, { action: "iam:PassRole", resource: sh.executionRoleArn, context: TO_ECS_TASKS });
            await allowed(coordinator, { action: "iam:PassRole", resource: sh.taskRoleArn, context: TO_ECS_TASKS });
            await denied(coordinator, { action: "iam:PassRole", resource: sh.targetRoleArn, context: TO_ECS_TASKS });
            await denied(coordinator, { action: "iam:PassRole", resource: otherRole("AdministratorRole"), context: TO_ECS_TASKS });
            await denied(coordinator, { action: "iam:PassRole", resource: sh.taskRoleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } });
            await denied(coordinator, { action: "iam:PassRole", resource: sh.taskRoleArn });
        });

        it("cannot stop, describe or tag tasks, register task definitions or start services", async () => {
            await denied(coordinator, { action: "ecs:StopTask", resource: taskIn(sh.clusterArn), context: { "ecs:cluster": sh.clusterArn } });
            await denied(coordinator, { action: "ecs:DescribeTasks", resource: taskIn(sh.clusterArn), context: { "ecs:cluster": sh.clusterArn } });
            await denied(coordinator, { action: "ecs:TagResource", resource: taskIn(sh.clusterArn), context: { "ecs:CreateAction": "RunTask" } });
            await denied(coordinator, { action: "ecs:RegisterTaskDefinition", resource: "*" });
            await denied(coordinator, { action: "ecs:StartTask", resource: sh.taskDefinitionArn, context: { "ecs:cluster": sh.clusterArn } });
        });

        it("can read, write, list and delete its partials under partials/, and delete nothing else", async () => {
            for (const action of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) {
                await allowed(coordinator, { action, resource: object("partials/2026/day.csv/abc123/3.json") });
            }
            await allowed(coordinator, { action: "s3:ListBucket", resource: sh.bucketArn, context: { "s3:prefix": "partials/2026/day.csv/abc123/" } });
            for (const key of ["uploads/2026/day.csv", "processed/2026/day.csv.summary.json", "status/2026/day.csv.json", "partialsX/a.json"]) {
                await denied(coordinator, { action: "s3:DeleteObject", resource: object(key) });
            }
            await denied(coordinator, { action: "s3:ListBucket", resource: sh.bucketArn, context: { "s3:prefix": "processed/" } });
            await denied(coordinator, { action: "s3:DeleteObject", resource: otherBucket("partials/a.json") });
        });
    });
});
