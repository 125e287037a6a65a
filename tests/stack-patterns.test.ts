import { strict as assert } from "assert";
import { evaluatePacks } from "../policy/offline/engine";
import { runProgram } from "../policy/offline/program";
import { PACKS } from "../policy/packs";
import { KUBERNETES_ON_EXISTING_CLUSTER } from "../scripts/release-urns";
import { PROJECT, Recorder, parseDoc, stackConfig, valueOf } from "./mocks";

// index.ts under mocks with each trigger and the optional patterns switched on through stack config, as
// `pulumi preview` would run it; both policy packs over everything it creates.

type Program = Record<string, any>;

async function run(stack: string, extra: Record<string, unknown>, secretKeys: string[] = []): Promise<{ recorder: Recorder; program: Program }> {
    const config: Record<string, string> = { ...stackConfig("dev") };
    for (const [k, v] of Object.entries(extra)) {
        config[`${PROJECT}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    }
    const { recorder, outputs } = await runProgram({ stack, config, secretKeys: secretKeys.map((k) => `${PROJECT}:${k}`) });
    return { recorder, program: outputs as Program };
}

async function assertPacksPass(recorder: Recorder): Promise<void> {
    const findings = await evaluatePacks([...PACKS], recorder.all());
    assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
}

const count = (recorder: Recorder, type: string) => recorder.ofType(type).length;

describe("stack patterns (index.ts with trigger, queueWorker, schedule, kubernetes config)", function () {
    this.timeout(60000);

    it("trigger lambda: the bucket notifies a Lambda that runs the task; no EventBridge rule for uploads", async () => {
        const { recorder, program } = await run("lambda", { trigger: "lambda" });
        const [notification] = recorder.ofType("aws:s3/bucketNotification:BucketNotification");
        assert.equal(count(recorder, "aws:s3/bucketNotification:BucketNotification"), 1);
        assert.equal(notification.inputs.eventbridge, undefined);
        const fn = recorder.one("aws:lambda/function:Function");
        assert.deepEqual(
            notification.inputs.lambdaFunctions.map((l: any) => [l.lambdaFunctionArn, l.filterPrefix, l.filterSuffix]),
            [".csv", ".csv.gz", ".tsv", ".jsonl", ".parquet"].map((suffix) => [fn.state.arn, "uploads/", suffix]),
        );
        // Only the task-failure rule remains.
        assert.deepEqual(recorder.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.name), ["monitoring-task-failed"]);
        assert.equal(program.ruleArn, undefined);
        assert.equal(await valueOf(program.triggerFunctionName), fn.state.name);
        assert.match(await valueOf(program.deadLetterQueueUrl), /^https:\/\/sqs\./);
        assert.deepEqual(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name).sort().filter((n) => n.startsWith("monitoring-rule")), []);
        await assertPacksPass(recorder);
    });

    it("trigger queue: uploads feed a queue that an autoscaled worker service drains; failures watched on the workers", async () => {
        const { recorder, program } = await run("queue", { trigger: "queue", queueWorker: { maxTasks: 4, backlogPerTaskTarget: 10, maxJobSeconds: 600 } });
        const service = recorder.one("aws:ecs/service:Service");
        assert.equal(count(recorder, "aws:ecs/taskDefinition:TaskDefinition"), 2);
        const workerTask = recorder.one("aws:ecs/taskDefinition:TaskDefinition", "queue-worker-processor-task");
        assert.equal(service.inputs.taskDefinition, workerTask.state.arn);
        const env = Object.fromEntries(JSON.parse(workerTask.inputs.containerDefinitions)[0].environment.map((e: any) => [e.name, e.value]));
        assert.equal(env.PROCESSOR_MODE, "worker");
        assert.equal(env.SQS_QUEUE_URL, await valueOf(program.queueUrl));
        assert.equal(recorder.one("aws:appautoscaling/target:Target").inputs.maxCapacity, 4);
        assert.equal(recorder.one("aws:appautoscaling/policy:Policy").inputs.targetTrackingScalingPolicyConfiguration.targetValue, 10);
        // The feed is an EventBridge rule on uploads; the per-upload RunTask rule is not there.
        const rules = recorder.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.name).sort();
        assert.deepEqual(rules, ["monitoring-task-failed", "queue-worker-feed-rule"]);
        const failure = parseDoc(recorder.one("aws:cloudwatch/eventRule:EventRule", "monitoring-task-failed").inputs.eventPattern);
        assert.match(JSON.stringify(failure), /queue-worker/);
        assert.equal(program.workerServiceName, service.inputs.name);
        await assertPacksPass(recorder);
    });

    it("trigger none with a schedule: only the scheduled batch run processes files", async () => {
        const { recorder, program } = await run("scheduled", {
            trigger: "none",
            schedule: { scheduleExpression: "cron(0 3 * * ? *)", timezone: "Europe/Berlin", flexibleTimeWindowMinutes: 30 },
        });
        assert.equal(count(recorder, "aws:lambda/function:Function"), 0);
        assert.equal(count(recorder, "aws:ecs/service:Service"), 0);
        assert.deepEqual(recorder.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.name), ["monitoring-task-failed"]);
        const schedule = recorder.one("aws:scheduler/schedule:Schedule").inputs;
        assert.deepEqual([schedule.scheduleExpression, schedule.scheduleExpressionTimezone], ["cron(0 3 * * ? *)", "Europe/Berlin"]);
        assert.deepEqual(schedule.flexibleTimeWindow, { mode: "FLEXIBLE", maximumWindowInMinutes: 30 });
        const request = JSON.parse(schedule.target.input);
        const env = Object.fromEntries(request.Overrides.ContainerOverrides[0].Environment.map((e: any) => [e.Name, e.Value]));
        assert.deepEqual([env.PROCESSOR_MODE, env.S3_BUCKET, env.BATCH_KEY_SUFFIXES], ["batch", await valueOf(program.bucketName), ".csv,.csv.gz,.tsv,.jsonl,.parquet"]);
        assert.equal(request.TaskDefinition, recorder.one("aws:ecs/taskDefinition:TaskDefinition").state.arn);
        assert.equal(program.deadLetterQueueUrl, undefined);
        assert.match(await valueOf(program.scheduleArn), /^arn:aws:scheduler:/);
        await assertPacksPass(recorder);
    });

    it("kubernetes on an existing cluster: Job and CronJob with a role scoped like the task's, the kubeconfig from a secret", async () => {
        const { recorder, program } = await run("k8s", KUBERNETES_ON_EXISTING_CLUSTER.extra, KUBERNETES_ON_EXISTING_CLUSTER.secretKeys);
        const job = recorder.one("kubernetes:batch/v1:Job").inputs;
        assert.equal(job.spec.completionMode, "Indexed");
        const jobEnv = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        assert.deepEqual([jobEnv.PROCESSOR_MODE, jobEnv.BATCH_SHARD_COUNT, jobEnv.BATCH_KEY_SUFFIXES], ["batch", "4", ".csv,.csv.gz,.tsv,.jsonl,.parquet"]);
        assert.equal(recorder.one("kubernetes:batch/v1:CronJob").inputs.spec.timeZone, "Europe/Berlin");
        assert.equal(program.kubernetesNamespace, "kubernetes");
        // The pods' role has the same permissions as the ECS task role.
        const policies = recorder.ofType("aws:iam/rolePolicy:RolePolicy");
        const byName = (n: string) => parseDoc(policies.find((p) => p.name === n)!.inputs.policy);
        assert.deepEqual(byName("kubernetes-policy"), byName("processor-task-policy"));
        await assertPacksPass(recorder);
    });

    it("processor.command: every task definition and pod runs the command through the runtime, the schedule keeps it, roles unchanged, packs pass", async () => {
        const command = ["python3", "/app/job/main.py", "--total", "$(amount)"];
        const { recorder } = await run(
            "own-job",
            {
                trigger: "queue",
                processor: { command, stdin: true },
                schedule: { scheduleExpression: "rate(6 hours)" },
                kubernetes: {
                    cluster: {
                        existing: {
                            oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                            oidcProviderUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC",
                        },
                    },
                    job: {},
                },
                kubeconfig: "apiVersion: v1\nkind: Config\n",
            },
            ["kubeconfig"],
        );
        const containers = recorder.ofType("aws:ecs/taskDefinition:TaskDefinition").map((t) => [t.name, JSON.parse(t.inputs.containerDefinitions)[0]] as const);
        assert.deepEqual(containers.map(([n]) => n).sort(), ["processor-task", "queue-worker-processor-task"]);
        for (const [name, c] of containers) {
            assert.deepEqual(c.command, command, `${name}: ECS passes the words as they are`);
            assert.equal(c.environment.find((e: any) => e.name === "COMMAND_STDIN")?.value, "true", name);
        }
        // The schedule runs the processor's task definition and overrides only its environment.
        const request = JSON.parse(recorder.one("aws:scheduler/schedule:Schedule").inputs.target.input);
        assert.equal(request.TaskDefinition, recorder.one("aws:ecs/taskDefinition:TaskDefinition", "processor-task").state.arn);
        assert.deepEqual(Object.keys(request.Overrides.ContainerOverrides[0]).sort(), ["Environment", "Name"]);
        // Kubernetes: `args` (the image's CMD; its ENTRYPOINT, the runtime, stays), with $ escaped so $(amount) is not expanded.
        const pod = recorder.one("kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0];
        assert.deepEqual(pod.args, ["python3", "/app/job/main.py", "--total", "$$(amount)"]);
        assert.equal(pod.command, undefined);
        assert.equal(pod.env.find((e: any) => e.name === "COMMAND_STDIN")?.value, "true");
        // The same permissions as the stack without a command: read uploads, write outputs and statuses.
        const { recorder: plain } = await run("plain", {});
        const policy = (r: Recorder, n: string) => parseDoc(r.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === n)!.inputs.policy);
        assert.deepEqual(policy(recorder, "processor-task-policy"), policy(plain, "processor-task-policy"));
        assert.deepEqual(policy(recorder, "kubernetes-policy"), policy(plain, "processor-task-policy"));
        assert.equal(JSON.parse(plain.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions)[0].command, undefined, "no command: the image's CMD (the summariser)");
        await assertPacksPass(recorder);
    });

    it("processor.image stands for image", async () => {
        const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-job:1.0.0";
        const { recorder } = await run("own-image", { processor: { image, command: ["python3", "/app/job/main.py"] } });
        assert.equal(JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions)[0].image, image);
        assert.equal(recorder.ofType("aws:ecr/repository:Repository").length, 0, "nothing is built");
    });

    const rejected: [string, Record<string, unknown>, string][] = [
        [
            "a processor.command that is not a list of words",
            { processor: { command: "python3 main.py" } },
            `${PROJECT}:processor.command: "python3 main.py" is not a list of 1 to 64 words; give the program and its arguments, e.g. ["python3", "/app/job/main.py"]`,
        ],
        [
            "an empty word in processor.command",
            { processor: { command: ["python3", ""] } },
            `${PROJECT}:processor.command[1]: "" is not a non-empty string of at most 4096 characters without NUL; give the program and its arguments as strings, e.g. ["python3", "/app/job/main.py"]`,
        ],
        ["an unknown processor setting", { processor: { cmd: ["x"] } }, `${PROJECT}:processor.cmd: ["x"] is not a setting of ${PROJECT}:processor; use command, stdin, image, shardAboveBytes, shardBytes, maxShards, commandAcceptsRange`],
        ["a shard threshold of 0", { processor: { shardAboveBytes: 0 } }, `${PROJECT}:processor.shardAboveBytes: 0 is out of range; use a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`],
        ["a shard threshold that is not a number", { processor: { shardAboveBytes: "10GB" } }, `${PROJECT}:processor.shardAboveBytes: "10GB" is not a number; give a whole number, e.g. pulumi config set --path 'processor.shardAboveBytes' 10737418240`],
        ["shards smaller than 1 MiB", { processor: { shardAboveBytes: 100, shardBytes: 1000 } }, `${PROJECT}:processor.shardBytes: 1000 is out of range; use a whole number from 1048576 to ${Number.MAX_SAFE_INTEGER}`],
        ["one shard at most", { processor: { shardAboveBytes: 100, maxShards: 1 } }, `${PROJECT}:processor.maxShards: 1 is out of range; use a whole number from 2 to 1000`],
        ["shard settings without the threshold", { processor: { maxShards: 4 } }, `${PROJECT}:processor.maxShards: 4 needs ${PROJECT}:processor.shardAboveBytes; set the size above which a file is sharded, or remove it`],
        [
            "commandAcceptsRange without a command",
            { processor: { shardAboveBytes: 100, commandAcceptsRange: true } },
            `${PROJECT}:processor.commandAcceptsRange: true needs ${PROJECT}:processor.command; the built-in summariser shards by itself; set a command that accepts a range, or remove commandAcceptsRange`,
        ],
        [
            "processor.stdin without a command",
            { processor: { stdin: true } },
            `${PROJECT}:processor.stdin: true needs ${PROJECT}:processor.command; the built-in summariser streams the object itself; set a command, or remove stdin`,
        ],
        [
            "both image and processor.image",
            { image: "r/a:1", processor: { image: "r/b:1" } },
            `${PROJECT}:processor.image: "r/b:1" is set and so is ${PROJECT}:image; set the image once, in either`,
        ],
        ["an unknown trigger", { trigger: "sqs" }, `${PROJECT}:trigger: "sqs" is not a trigger; use one of eventbridge, lambda, queue, none`],
        [
            "queue settings without the queue trigger",
            { queueWorker: { maxTasks: 3 } },
            `${PROJECT}:queueWorker: {"maxTasks":3} is set but ${PROJECT}:trigger is eventbridge; set ${PROJECT}:trigger to queue, or remove ${PROJECT}:queueWorker`,
        ],
        [
            "an unknown queue setting",
            { trigger: "queue", queueWorker: { maxWorkers: 3 } },
            `${PROJECT}:queueWorker.maxWorkers: 3 is not a setting of ${PROJECT}:queueWorker; use minTasks, maxTasks, backlogPerTaskTarget, maxJobSeconds, visibilityTimeoutSeconds, maxReceiveCount, messagesPerPoll`,
        ],
        ["a queue setting of the wrong kind", { trigger: "queue", queueWorker: { maxTasks: "ten" } }, `${PROJECT}:queueWorker.maxTasks: "ten" is not a number; give a number`],
        ["a schedule without an expression", { schedule: { timezone: "UTC" } }, `${PROJECT}:schedule: {"timezone":"UTC"} has no scheduleExpression; give one, e.g. pulumi config set --path 'schedule.scheduleExpression' 'cron(0 6 * * ? *)'`],
        [
            "Kubernetes on an existing cluster without its kubeconfig",
            { kubernetes: { cluster: { existing: { clusterName: "c" } }, job: {} } },
            `${PROJECT}:kubernetes.cluster.existing: {"clusterName":"c"} needs ${PROJECT}:kubeconfig; set the cluster's kubeconfig as a secret: pulumi config set --secret kubeconfig "$(cat kubeconfig.yaml)"`,
        ],
    ];
    for (const [what, extra, message] of rejected) {
        it(`fails the preview on ${what}, naming the config key`, async () => {
            await assert.rejects(run("bad", extra), { message });
        });
    }

    it("reports a component's validation error under the config key it came from", async () => {
        await assert.rejects(run("bad", { trigger: "queue", queueWorker: { minTasks: 5, maxTasks: 2 } }), (e: Error) => {
            assert.match(e.message, new RegExp(`^${PROJECT}:queueWorker\\.minTasks`));
            return true;
        });
        await assert.rejects(run("bad", { schedule: { scheduleExpression: "rate(1 hours)" } }), (e: Error) => {
            assert.match(e.message, new RegExp(`^${PROJECT}:schedule\\.scheduleExpression: "rate\\(1 hours\\)"`));
            return true;
        });
    });
});
