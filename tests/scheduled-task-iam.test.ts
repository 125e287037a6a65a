/**
 * The execution role of a ScheduledTask built on a ProcessingCluster and a ProcessorTask, as
 * registered under mocks, proven with the IAM policy simulator (`@cloud-copilot/iam-simulate`, AGPL,
 * tests only): its permission policy and its trust policy.
 */
import { strict as assert } from "assert";
import { RunTaskRequest } from "../components/builders/schedule";
import { ACCOUNT, Recorded, parseDoc, useMocks } from "./mocks";
import { sessionOf } from "./support/assertions";
import { ALLOW_ALL, Context, Outcome, simulateRequest } from "./support/iam-simulator";
import { REGION, deployWithProcessor } from "./support/scheduled-task";

describe("the schedule's execution role, proven with the IAM policy simulator", function () {
    this.timeout(60000);

    let roleArn: string;
    let trust: any;
    let policy: any;
    let family: string;
    let taskDefinitionArn: string;
    let clusterArn: string;
    let executionRoleArn: string;
    let taskRoleArn: string;
    let queueArn: string;
    let request: RunTaskRequest;

    before(async () => {
        const recorder = await useMocks({ stack: "unit" });
        const { records } = await deployWithProcessor(recorder);
        const one = (type: string, name: string): Recorded => {
            const found = records.filter((r) => r.type === type && r.name === name);
            assert.equal(found.length, 1, `${type} ${name}`);
            return found[0];
        };
        const role = one("aws:iam/role:Role", "nightly-role");
        roleArn = role.state.arn;
        trust = parseDoc(role.inputs.assumeRolePolicy);
        policy = parseDoc(one("aws:iam/rolePolicy:RolePolicy", "nightly-role-policy").inputs.policy);
        const taskDef = one("aws:ecs/taskDefinition:TaskDefinition", "processor-task");
        family = taskDef.inputs.family;
        taskDefinitionArn = taskDef.state.arn;
        clusterArn = one("aws:ecs/cluster:Cluster", "proc-cluster").state.arn;
        executionRoleArn = one("aws:iam/role:Role", "processor-execution-role").state.arn;
        taskRoleArn = one("aws:iam/role:Role", "processor-task-role").state.arn;
        queueArn = one("aws:sqs/queue:Queue", "nightly-dlq").state.arn;
        request = JSON.parse(one("aws:scheduler/schedule:Schedule", "nightly-schedule").inputs.target.input);
    });

    const revision = (n: number) => taskDefinitionArn.replace(/:\d+$/, `:${n}`);
    const otherCluster = () => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other-cluster`;
    const taskIn = (cluster: string) => `${cluster.replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`;
    const TO_ECS_TASKS = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };

    async function asRole(action: string, resource: string, context: Context = {}): Promise<Outcome> {
        return simulateRequest({ principal: sessionOf(roleArn), policies: [policy], action, resource, context });
    }

    async function allowed(action: string, resource: string, context: Context = {}): Promise<void> {
        assert.equal(await asRole(action, resource, context), "Allowed", `${action} on ${resource} ${JSON.stringify(context)}`);
    }

    /** Denied for the role, while an allow-all principal is allowed the same request (so the request itself is sound). */
    async function denied(action: string, resource: string, context: Context = {}): Promise<void> {
        assert.equal(await asRole(action, resource, context), "ImplicitlyDenied", `${action} on ${resource} ${JSON.stringify(context)}`);
        const control = await simulateRequest({ principal: sessionOf(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`), policies: [ALLOW_ALL], action, resource, context });
        assert.equal(control, "Allowed", `control: an allow-all principal should be allowed ${action} on ${resource}; the denial proves nothing`);
    }

    /** Scheduler (or another service) assuming the role, judged by the role's trust policy. */
    async function assume(service: string, context: Context): Promise<Outcome> {
        return simulateRequest({ principal: service, policies: [], action: "sts:AssumeRole", resource: roleArn, context, resourcePolicy: trust });
    }

    const DEFAULT_GROUP = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`;

    it("can run the task family (this and later revisions) on its cluster", async () => {
        assert.equal(revision(1), taskDefinitionArn);
        await allowed("ecs:RunTask", revision(1), { "ecs:cluster": clusterArn });
        await allowed("ecs:RunTask", revision(12), { "ecs:cluster": clusterArn });
    });

    it("can make the very RunTask call the schedule's input describes: its task definition on its cluster, passing the task's roles, tagging the task", async () => {
        assert.equal(request.TaskDefinition, taskDefinitionArn);
        assert.equal(request.Cluster, clusterArn);
        await allowed("ecs:RunTask", request.TaskDefinition, { "ecs:cluster": request.Cluster });
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        assert.equal(request.PropagateTags, "TASK_DEFINITION");
        await allowed("ecs:TagResource", taskIn(request.Cluster), { "ecs:CreateAction": "RunTask" });
    });

    it("cannot run the task in another cluster, or without naming a cluster", async () => {
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": otherCluster() });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `${clusterArn}-2` });
        await denied("ecs:RunTask", revision(1));
    });

    it("cannot run another family, even on its cluster", async () => {
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/some-other-family:1`, { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}-admin:1`, { "ecs:cluster": clusterArn });
    });

    it("can pass exactly the execution and task roles, and only to ECS tasks", async () => {
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/AdministratorRole`, TO_ECS_TASKS);
        await denied("iam:PassRole", roleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `${taskRoleArn}-2`, TO_ECS_TASKS);
        await denied("iam:PassRole", taskRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" });
        await denied("iam:PassRole", executionRoleArn);
    });

    it("can tag the tasks it starts in its cluster, and nothing else", async () => {
        await allowed("ecs:TagResource", taskIn(clusterArn), { "ecs:CreateAction": "RunTask" });
        await denied("ecs:TagResource", taskIn(clusterArn));
        await denied("ecs:TagResource", taskIn(otherCluster()), { "ecs:CreateAction": "RunTask" });
    });

    it("can send dead letters to its own queue only, and not read or purge it", async () => {
        await allowed("sqs:SendMessage", queueArn);
        await denied("sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:some-other-queue`);
        await denied("sqs:SendMessage", `${queueArn}-2`);
        await denied("sqs:ReceiveMessage", queueArn);
        await denied("sqs:PurgeQueue", queueArn);
    });

    it("cannot stop tasks, register task definitions or read the bucket", async () => {
        await denied("ecs:StopTask", taskIn(clusterArn), { "ecs:cluster": clusterArn });
        await denied("ecs:RegisterTaskDefinition", "*");
        await denied("s3:GetObject", "arn:aws:s3:::data-bucket/uploads/x.csv");
    });

    it("can be assumed by EventBridge Scheduler of this account for schedules of its group", async () => {
        assert.equal(await assume("scheduler.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "Allowed");
    });

    it("cannot be assumed for another account, another schedule group, without the source keys, or by another service", async () => {
        assert.equal(await assume("scheduler.amazonaws.com", { "aws:SourceAccount": "210987654321", "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
        assert.equal(
            await assume("scheduler.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/other` }),
            "ImplicitlyDenied",
        );
        assert.equal(await assume("scheduler.amazonaws.com", {}), "ImplicitlyDenied");
        assert.equal(await assume("events.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
        assert.equal(await assume("ecs-tasks.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
    });
});
