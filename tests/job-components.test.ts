/**
 * Your own command in the components: the container definition's `command` (ECS) and the pod's
 * `args` (Kubernetes) carry it to the processor runtime, validated, and nothing else changes.
 */
import { strict as assert } from "assert";
import { ProcessorTask } from "../components";
import { kubernetesArgs, processorContainerDefinition, processorPodTemplate, validateJobCommand } from "../components/builders";
import { Recorder, parseDoc, settle, useMocks } from "./mocks";

const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
const CONTAINER = { name: "processor", image: "r/p:1", logGroupName: "/ecs/p", region: "eu-west-1", prefixes: PREFIXES, stopTimeoutSeconds: 60, cpu: 1024, scratchPath: "/tmp", scratchVolumeName: "scratch" };
const EXAMPLE = 'give the program and its arguments, e.g. ["python3", "/app/job/main.py"]';

describe("a job's command in the builders", () => {
    it("validates a command: 1–64 non-empty words without NUL, each at most 4096 characters; returns a copy", () => {
        const words = ["python3", "/app/job/main.py", "--x=$HOME"];
        const copy = validateJobCommand(words, "f");
        assert.deepEqual(copy, words);
        assert.notEqual(copy, words);
        assert.throws(() => validateJobCommand([], "f"), { message: `f: [] is not a list of 1 to 64 words; ${EXAMPLE}` });
        assert.throws(() => validateJobCommand(Array(65).fill("x"), "f"), /ValidationError: f: \[.*\] is not a list of 1 to 64 words/);
        assert.throws(() => validateJobCommand(["a", ""], "f"), { message: 'f[1]: "" is not a non-empty string of at most 4096 characters without NUL; give the program and its arguments as strings, e.g. ["python3", "/app/job/main.py"]' });
        assert.throws(() => validateJobCommand(["a\u0000b"], "f"), /ValidationError: f\[0\]: "a\\u0000b" is not a non-empty string/);
        assert.throws(() => validateJobCommand(["x".repeat(4097)], "f"), /ValidationError: f\[0\]: "x+" is not a non-empty string of at most 4096 characters/);
        assert.throws(() => validateJobCommand([1] as unknown[], "f"), /ValidationError: f\[0\]: 1 is not a non-empty string/);
    });

    it("puts the command in the ECS container definition as `command` (Docker CMD), and leaves it out without one", () => {
        const withCommand = processorContainerDefinition({ ...CONTAINER, command: ["sh", "/app/job/count.sh"] });
        assert.deepEqual(withCommand.command, ["sh", "/app/job/count.sh"]);
        const without = processorContainerDefinition(CONTAINER);
        assert.equal("command" in without, false, "the image's CMD runs: our image's is empty, the summariser");
        // Everything else is the same.
        const { command: _command, ...rest } = withCommand;
        assert.deepEqual(rest, without);
    });

    it("puts the command in a pod as `args` (the image's ENTRYPOINT, the runtime, stays), with $ doubled so Kubernetes expands nothing", () => {
        assert.deepEqual(kubernetesArgs(["sh", "-c", 'echo "$(date)" $$ $HOME']), ["sh", "-c", 'echo "$$(date)" $$$$ $$HOME']);
        const template = processorPodTemplate({
            containerName: "processor",
            image: "r/p:1",
            serviceAccountName: "processor",
            bucketName: "b",
            region: "eu-west-1",
            prefixes: PREFIXES,
            size: { cpu: 1000, memory: 2048, scratchSizeMiB: 2048, terminationGracePeriodSeconds: 60 },
            labels: {},
            command: ["python3", "/app/job/main.py"],
        });
        const [container] = template.spec.containers;
        assert.deepEqual(container.args, ["python3", "/app/job/main.py"]);
        assert.equal("command" in container, false);
    });
});

describe("ProcessorTask with a command", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN command THEN the container runs it, and the task role's policy is the one without a command", async () => {
        new ProcessorTask("plain", { bucket: BUCKET, image: "r/p:1" });
        new ProcessorTask("own", { bucket: BUCKET, image: "r/p:1", command: ["python3", "/app/job/main.py"] });
        await settle();
        const container = (name: string) => JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition", `${name}-task`).inputs.containerDefinitions)[0];
        assert.deepEqual(container("own").command, ["python3", "/app/job/main.py"]);
        assert.equal(container("plain").command, undefined);
        const policy = (name: string) => parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", `${name}-task-policy`).inputs.policy);
        assert.deepEqual(policy("own"), policy("plain"));
        assert.deepEqual(
            policy("own").Statement.map((s: any) => [s.Sid, s.Action, s.Resource]),
            [
                ["ReadUploadsAndStatus", "s3:GetObject", ["arn:aws:s3:::data-bucket/uploads/*", "arn:aws:s3:::data-bucket/status/*"]],
                ["ListUploadsAndStatus", "s3:ListBucket", "arn:aws:s3:::data-bucket"],
                ["WriteResults", ["s3:PutObject", "s3:AbortMultipartUpload"], ["arn:aws:s3:::data-bucket/processed/*", "arn:aws:s3:::data-bucket/status/*"]],
            ],
        );
    });

    it("GIVEN an empty command THEN it fails naming the field", () => {
        assert.throws(() => new ProcessorTask("bad", { bucket: BUCKET, image: "r/p:1", command: [] }), { message: `bad.command: [] is not a list of 1 to 64 words; ${EXAMPLE}` });
    });
});
