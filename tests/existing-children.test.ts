/**
 * Roles and log groups given with `{ existing }`: the shared check (word-for-word errors), and for every
 * component that creates a role or a log group, that the given one is used and nothing is created for it.
 */
import { strict as assert } from "assert";
import { checkExistingChoice, logGroupArn, validateLogGroupName, validateRoleArn } from "../components/builders/existing";
import { KubernetesJobs } from "../components/kubernetes-jobs";
import { LambdaTrigger, LambdaTriggerArgs } from "../components/lambda-trigger";
import { Observability } from "../components/observability";
import { ProcessorTask, ProcessorTaskArgs } from "../components/processor-task";
import { QueueWorkerService } from "../components/queue-worker-service";
import { ScheduledTask, ScheduledTaskArgs } from "../components/scheduled-task";
import { UploadTrigger, UploadTriggerArgs } from "../components/upload-trigger";
import { ACCOUNT, Recorder, captureDependencies, parseDoc, settle, useMocks, valueOf } from "./mocks";

const REGION = "eu-west-1";
const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.4.2`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/platform/shared-runner`;
const EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/shared-execution`;
const LOG_GROUP = "/platform/processor";
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/proc`;
const NETWORK = { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] };
const TASK = {
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/proc:4`,
    containerName: "processor",
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/task`,
};
const ROLES = ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"];
const LOG_GROUPS = "aws:cloudwatch/logGroup:LogGroup";

/** How many resources of each type were registered. */
function count(recorder: Recorder, ...types: string[]): number[] {
    return types.map((t) => recorder.ofType(t).length);
}

describe("checkExistingChoice (the one check behind every { existing })", () => {
    const none = {};
    const why = "the processor reads and writes S3 with this role";

    it("GIVEN nothing THEN the child is created; GIVEN { existing } THEN its ARN or name", () => {
        assert.equal(checkExistingChoice("p.taskRole", "role", undefined, none, why), undefined);
        assert.equal(checkExistingChoice("p.taskRole", "role", { existing: { arn: ROLE_ARN } }, none, why), ROLE_ARN);
        assert.equal(checkExistingChoice("p.logGroup", "log group", { existing: { name: LOG_GROUP } }, none, why), LOG_GROUP);
    });

    it("refuses false with the reason the child is needed", () => {
        assert.throws(() => checkExistingChoice("p.taskRole", "role", false, none, why), {
            message: "p.taskRole: false cannot be left out: the processor reads and writes S3 with this role; give { existing: { arn } } to use a role of yours, or leave it unset",
        });
    });

    it("refuses another shape, a missing ARN or name, and a value that is not a role ARN or a log group name", () => {
        assert.throws(() => checkExistingChoice("p.taskRole", "role", ROLE_ARN, none, why), {
            message: `p.taskRole: "${ROLE_ARN}" is not a role choice; give { existing: { arn } } to use a role of yours, or leave it unset to create one`,
        });
        assert.throws(() => checkExistingChoice("p.taskRole", "role", { existing: { arn: ROLE_ARN }, args: {} }, none, why), /^ValidationError: p.taskRole: .* is not a role choice/);
        assert.throws(() => checkExistingChoice("p.taskRole", "role", { existing: { name: "runner" } }, none, why), {
            message: "p.taskRole.existing.arn: undefined is not set; give the ARN of the role to use",
        });
        assert.throws(() => checkExistingChoice("p.taskRole", "role", { existing: { arn: "shared-runner" } }, none, why), {
            message: 'p.taskRole.existing.arn: "shared-runner" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name> (a role\'s ARN, not its name or a policy\'s)',
        });
        assert.throws(() => checkExistingChoice("p.logGroup", "log group", { existing: { name: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x` } }, none, why), {
            message: `p.logGroup.existing.name: "arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x" is not a log group name; use 1-512 letters, digits, '_', '-', '/', '.' and '#' (the name, not the ARN)`,
        });
    });

    it("refuses { existing } with an argument that applies only to a created child, naming both", () => {
        assert.throws(
            () => checkExistingChoice("p.taskRole", "role", { existing: { arn: ROLE_ARN } }, { "p.transform.taskRole": undefined, "p.transform.taskPolicy": { name: "x" } }, why),
            { message: 'p.taskRole: "{ existing }" cannot be combined with p.transform.taskPolicy, which applies only to a role created here; drop p.transform.taskPolicy, or leave p.taskRole unset' },
        );
    });

    it("knows role ARNs (with paths, in other partitions) and log group names from AWS's rules", () => {
        for (const arn of [ROLE_ARN, "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f-g_h", "arn:aws-cn:iam::123456789012:role/x"]) {
            assert.equal(validateRoleArn(arn, "f"), arn);
        }
        for (const bad of [`arn:aws:iam::${ACCOUNT}:policy/x`, `arn:aws:iam::${ACCOUNT}:role/`, "arn:aws:iam::12345:role/x", `arn:aws:iam::${ACCOUNT}:role/${"n".repeat(65)}`]) {
            assert.throws(() => validateRoleArn(bad, "f"), /is not an IAM role ARN/, bad);
        }
        assert.equal(validateLogGroupName("/aws/lambda/a_b-c.d#e", "f"), "/aws/lambda/a_b-c.d#e");
        for (const bad of ["", "a b", "x".repeat(513), "log:group"]) {
            assert.throws(() => validateLogGroupName(bad, "f"), /is not a log group name/, bad);
        }
        assert.equal(logGroupArn({ partition: "aws", region: REGION, account: ACCOUNT, name: LOG_GROUP }), `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}`);
    });
});

describe("ProcessorTask with existing roles and log group", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks();
    });
    const base: ProcessorTaskArgs = { bucket: BUCKET, image: IMAGE };

    it("GIVEN all three existing THEN the task definition uses them and no role, policy or log group is created", async () => {
        const task = new ProcessorTask("p", {
            ...base,
            executionRole: { existing: { arn: EXECUTION_ROLE_ARN } },
            taskRole: { existing: { arn: ROLE_ARN } },
            logGroup: { existing: { name: LOG_GROUP } },
        });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES, LOG_GROUPS), [0, 0, 0]);
        const definition = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
        assert.deepEqual([definition.executionRoleArn, definition.taskRoleArn], [EXECUTION_ROLE_ARN, ROLE_ARN]);
        assert.equal(JSON.parse(definition.containerDefinitions)[0].logConfiguration.options["awslogs-group"], LOG_GROUP);
        assert.deepEqual([task.executionRole, task.taskRole, task.logGroup], [undefined, undefined, undefined]);
        assert.deepEqual(
            [await valueOf(task.executionRoleArn), await valueOf(task.taskRoleArn), await valueOf(task.logGroupName), await valueOf(task.logGroupArn)],
            [EXECUTION_ROLE_ARN, ROLE_ARN, LOG_GROUP, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}`],
        );
    });

    it("GIVEN only the log group existing THEN the execution role created here may write to that group", async () => {
        new ProcessorTask("p", { ...base, logGroup: { existing: { name: LOG_GROUP } } });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES, LOG_GROUPS), [2, 2, 0]);
        const policy = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "p-execution-policy").inputs.policy);
        const writeLogs = policy.Statement.find((s: { Sid: string }) => s.Sid === "WriteLogs");
        assert.equal(writeLogs.Resource, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:*`);
    });

    it("GIVEN only the task role existing THEN the execution role and its policy are still created, the task policy is not", async () => {
        new ProcessorTask("p", { ...base, taskRole: { existing: { arn: ROLE_ARN } } });
        await settle();
        assert.deepEqual(
            recorder.ofType("aws:iam/role:Role").map((r) => r.name).concat(recorder.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name)),
            ["p-execution-role", "p-execution-policy"],
        );
    });

    it("refuses false and the arguments that apply only to a created child", () => {
        assert.throws(() => new ProcessorTask("p", { ...base, taskRole: false as never }), {
            message: "p.taskRole: false cannot be left out: the processor reads and writes S3 with this role; give { existing: { arn } } to use a role of yours, or leave it unset",
        });
        assert.throws(() => new ProcessorTask("p", { ...base, logGroup: false as never }), {
            message: "p.logGroup: false cannot be left out: the container logs through the awslogs driver, which needs a group; give { existing: { name } } to use a log group of yours, or leave it unset",
        });
        assert.throws(() => new ProcessorTask("p", { ...base, logGroup: { existing: { name: LOG_GROUP } }, logRetentionDays: 90 }), {
            message: 'p.logGroup: "{ existing }" cannot be combined with p.logRetentionDays, which applies only to a log group created here; drop p.logRetentionDays, or leave p.logGroup unset',
        });
        assert.throws(() => new ProcessorTask("p", { ...base, executionRole: { existing: { arn: EXECUTION_ROLE_ARN } }, transform: { executionPolicy: { name: "x" } } }), {
            message: 'p.executionRole: "{ existing }" cannot be combined with p.transform.executionPolicy, which applies only to a role created here; drop p.transform.executionPolicy, or leave p.executionRole unset',
        });
        assert.throws(() => new ProcessorTask("p", { ...base, taskRole: { existing: { arn: "p-task-role" } } }), {
            message: 'p.taskRole.existing.arn: "p-task-role" is not an IAM role ARN; use arn:aws:iam::<account>:role/<name> (a role\'s ARN, not its name or a policy\'s)',
        });
    });
});

describe("UploadTrigger with an existing role", () => {
    const base: UploadTriggerArgs = { bucket: { bucketName: "data-bucket", prefixes: PREFIXES }, cluster: { clusterArn: CLUSTER_ARN }, task: TASK, network: NETWORK };
    beforeEach(async () => {
        await useMocks();
    });

    it("refuses it with a transform of the role's policy", () => {
        assert.throws(() => new UploadTrigger("t", { ...base, role: { existing: { arn: ROLE_ARN } }, transform: { rolePolicy: { name: "x" } } }), {
            message: 't.role: "{ existing }" cannot be combined with t.transform.rolePolicy, which applies only to a role created here; drop t.transform.rolePolicy, or leave t.role unset',
        });
    });
});

describe("LambdaTrigger with an existing role and log group", () => {
    let recorder: Recorder;
    let deps: Map<string, string[]>;
    const base: LambdaTriggerArgs = { bucket: BUCKET, cluster: { clusterArn: CLUSTER_ARN }, task: TASK, network: NETWORK };
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
        deps = captureDependencies();
    });

    it("GIVEN both THEN the function runs as that role and logs to that group, and neither is created", async () => {
        const trigger = new LambdaTrigger("trigger", { ...base, role: { existing: { arn: ROLE_ARN } }, logGroup: { existing: { name: LOG_GROUP } } });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES, LOG_GROUPS), [0, 0, 0]);
        const fn = recorder.one("aws:lambda/function:Function");
        assert.deepEqual([fn.inputs.role, fn.inputs.loggingConfig], [ROLE_ARN, { logFormat: "Text", logGroup: LOG_GROUP }]);
        assert.deepEqual(deps.get("trigger-function"), [], "nothing of ours to wait for");
        assert.deepEqual([trigger.role, trigger.logGroup], [undefined, undefined]);
        assert.deepEqual([await valueOf(trigger.roleArn), await valueOf(trigger.logGroupName)], [ROLE_ARN, LOG_GROUP]);
    });

    it("GIVEN the log group only THEN the role created here may write to it", async () => {
        new LambdaTrigger("trigger", { ...base, logGroup: { existing: { name: LOG_GROUP } } });
        await settle();
        const policy = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.policy);
        assert.equal(policy.Statement[0].Resource, `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${LOG_GROUP}:*`);
        assert.equal(recorder.ofType(LOG_GROUPS).length, 0);
    });

    it("refuses false for the log group and a retention with an existing one", () => {
        assert.throws(() => new LambdaTrigger("t", { ...base, logGroup: false as never }), {
            message:
                "t.logGroup: false cannot be left out: without a group of its own the function's logs go to one Lambda creates, which never expires; give { existing: { name } } to use a log group of yours, or leave it unset",
        });
        assert.throws(() => new LambdaTrigger("t", { ...base, logGroup: { existing: { name: LOG_GROUP } }, logRetentionDays: 7 }), {
            message: 't.logGroup: "{ existing }" cannot be combined with t.logRetentionDays, which applies only to a log group created here; drop t.logRetentionDays, or leave t.logGroup unset',
        });
    });
});

describe("ScheduledTask with an existing role", () => {
    let recorder: Recorder;
    const base: ScheduledTaskArgs = { cluster: { clusterArn: CLUSTER_ARN }, task: TASK, network: NETWORK, bucketName: "data-bucket", scheduleExpression: "rate(1 day)" };
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN it THEN the schedule's target assumes it and no role or policy is created", async () => {
        const job = new ScheduledTask("nightly", { ...base, role: { existing: { arn: ROLE_ARN } } });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES), [0, 0]);
        assert.equal(recorder.one("aws:scheduler/schedule:Schedule").inputs.target.roleArn, ROLE_ARN);
        assert.equal(job.role, undefined);
        assert.equal(await valueOf(job.roleArn), ROLE_ARN);
    });

    it("refuses it with a transform of the role", () => {
        assert.throws(() => new ScheduledTask("nightly", { ...base, role: { existing: { arn: ROLE_ARN } }, transform: { role: { name: "x" } } }), {
            message: 'nightly.role: "{ existing }" cannot be combined with nightly.transform.role, which applies only to a role created here; drop nightly.transform.role, or leave nightly.role unset',
        });
    });
});

describe("QueueWorkerService with the worker's task role existing", () => {
    let recorder: Recorder;
    const base = { cluster: { clusterArn: CLUSTER_ARN, clusterName: "proc" }, network: NETWORK };
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN it THEN no task role, task policy or queue policy on it is created; the service still starts", async () => {
        const workers = new QueueWorkerService("q", { ...base, task: { bucket: BUCKET, image: IMAGE, taskRole: { existing: { arn: ROLE_ARN } } } });
        await settle();
        assert.deepEqual(recorder.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.name), ["q-processor-execution-policy"]);
        assert.deepEqual(recorder.ofType("aws:iam/role:Role").map((r) => r.name), ["q-processor-execution-role"]);
        assert.equal(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.taskRoleArn, ROLE_ARN);
        assert.equal(recorder.ofType("aws:ecs/service:Service").length, 1);
        assert.equal(await valueOf(workers.task.taskRoleArn), ROLE_ARN);
    });

    it("refuses it with a transform of the queue policy", () => {
        assert.throws(
            () => new QueueWorkerService("q", { ...base, task: { bucket: BUCKET, image: IMAGE, taskRole: { existing: { arn: ROLE_ARN } } }, transform: { queueAccessPolicy: { name: "x" } } }),
            { message: 'q.task.taskRole: "{ existing }" cannot be combined with q.transform.queueAccessPolicy, which applies only to a role created here; drop q.transform.queueAccessPolicy, or leave q.task.taskRole unset' },
        );
    });
});

describe("KubernetesJobs with an existing role", () => {
    let recorder: Recorder;
    const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
    const KUBECONFIG = JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: "existing", cluster: { server: "https://example.eks.amazonaws.com" } }] });
    const cluster = { existing: { kubeconfig: KUBECONFIG, oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`, oidcProviderUrl: `https://${ISSUER}` } };
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN it (IRSA) THEN the ServiceAccount names it and no role or policy is created", async () => {
        const jobs = new KubernetesJobs("batch", { cluster, image: IMAGE, bucket: BUCKET, job: {}, role: { existing: { arn: ROLE_ARN } } });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES), [0, 0]);
        assert.equal(recorder.one("kubernetes:core/v1:ServiceAccount").inputs.metadata.annotations["eks.amazonaws.com/role-arn"], ROLE_ARN);
        assert.equal(jobs.role, undefined);
        assert.equal(await valueOf(jobs.roleArn), ROLE_ARN);
    });

    it("refuses false", () => {
        assert.throws(() => new KubernetesJobs("batch", { cluster, image: IMAGE, bucket: BUCKET, job: {}, role: false as never }), {
            message: "batch.role: false cannot be left out: the processor reads and writes S3 with this role; give { existing: { arn } } to use a role of yours, or leave it unset",
        });
    });
});

describe("Observability's Slack notifier with an existing role and log group", () => {
    let recorder: Recorder;
    const base = {
        cluster: { clusterName: "proc", clusterArn: CLUSTER_ARN },
        task: { family: "proc", containerName: "processor", logGroupName: "/ecs/proc" },
        trigger: false as const,
    };
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN both THEN the notifier runs as that role and logs to that group, and neither is created", async () => {
        new Observability("obs", { ...base, slack: { webhookUrl: "https://hooks.slack.com/services/T/B/x", role: { existing: { arn: ROLE_ARN } }, logGroup: { existing: { name: LOG_GROUP } } } });
        await settle();
        assert.deepEqual(count(recorder, ...ROLES, LOG_GROUPS), [0, 0, 0]);
        const fn = recorder.one("aws:lambda/function:Function").inputs;
        assert.deepEqual([fn.role, fn.loggingConfig.logGroup], [ROLE_ARN, LOG_GROUP]);
    });

    it("refuses an existing log group with logRetentionDays", () => {
        assert.throws(() => new Observability("obs", { ...base, logRetentionDays: 90, slack: { webhookUrl: "https://hooks.slack.com/services/T/B/x", logGroup: { existing: { name: LOG_GROUP } } } }), {
            message: 'obs.slack.logGroup: "{ existing }" cannot be combined with obs.logRetentionDays, which applies only to a log group created here; drop obs.logRetentionDays, or leave obs.slack.logGroup unset',
        });
    });
});
