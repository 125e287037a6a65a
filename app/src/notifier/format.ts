/**
 * Turns what arrives on the alert topic into a Slack Block Kit message. Pure: no I/O, no
 * environment, never throws (anything it cannot read becomes a generic message).
 *
 * Three kinds of message arrive:
 *  - ECS "Task State Change" events (the task-failure rule publishes the EventBridge event as is);
 *  - CloudWatch alarm state changes (the alarm's SNS JSON);
 *  - anything else (a test publish from the console, a malformed message): shown raw, truncated.
 *
 * This file is deployed as is (transpiled on its own), so it imports nothing outside this folder.
 */

/** What Slack's incoming webhook accepts: `text` is the notification fallback, `blocks` the message. */
export interface SlackMessage {
    text: string;
    blocks: object[];
}

export interface FormatContext {
    /** The region for console links when the message does not name one. */
    region: string;
    /** Shown in the message's context line, e.g. "#data-alerts (prod)". */
    channelLabel?: string;
    /** The processor's CloudWatch log group (the event does not carry it). */
    logGroupName?: string;
    /** The awslogs stream prefix of the processor's container (streams are `<prefix>/<container>/<task id>`). */
    logStreamPrefix?: string;
    /** The SNS subject, shown for messages that are not recognised. */
    subject?: string;
    /**
     * The processor's own error for the file (its status document's `error`), when the caller has
     * read it — the local demo does. ECS events do not carry it; without it the message points to
     * the status document and the logs.
     */
    processorError?: { class: string; message: string };
}

/** Which formatter handled a message. */
export type NotificationKind = "ecs-task" | "alarm" | "unrecognised";

/** Slack's limits (https://api.slack.com/reference/block-kit/blocks); kept a little under. */
export const LIMITS = {
    headerText: 150,
    sectionText: 3000,
    fieldText: 2000,
    contextText: 2000,
    fields: 10,
    fallbackText: 3000,
    rawExcerpt: 500,
} as const;

/** The processor's exit codes (app/src/processor/exit-codes.ts), with what they mean. */
export const EXIT_CODE_MEANINGS: Readonly<Record<number, string>> = {
    0: "ok",
    1: "the job's command failed (its exit code and last stderr lines are in the file's status document), or the processor crashed before recording an outcome",
    3: "batch run: one or more files failed (see their status documents)",
    64: "missing or invalid settings",
    65: "bad input file (empty, binary, not delimited, corrupt or truncated gzip)",
    66: "object not found",
    70: "internal error in the processor",
    75: "S3 or SQS unavailable after retries (throttling, 5xx, network)",
    77: "access denied (IAM, bucket policy, KMS or queue policy)",
    137: "killed (SIGKILL): often out of memory, or it did not stop within the stop timeout",
    143: "interrupted (SIGTERM: Spot interruption, scale-in or stop)",
};

/** The meaning of an exit code, including ones the processor never uses on purpose. */
export function exitCodeMeaning(code: number | undefined | null): string {
    if (code === undefined || code === null) {
        return "no exit code (the container did not run)";
    }
    const known = EXIT_CODE_MEANINGS[code];
    if (known !== undefined) {
        return known;
    }
    if (code > 128 && code < 160) {
        return `killed by signal ${code - 128}`;
    }
    return "not one of the processor's exit codes";
}

// ---------------------------------------------------------------------------------------------
// Text helpers

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Makes untrusted text inert in mrkdwn: the control characters escaped (so no `<!channel>`,
 * `<@U…>` or `<url|disguised>` link), and each formatting character (`*` bold, `_` italic, `~`
 * strike, `` ` `` code) that could open or close formatting — one not between two letters or
 * digits — set between zero-width spaces. Slack has no escape for those; a marker next to a
 * zero-width space neither opens nor closes formatting, and the text reads the same (`my_file.csv`
 * is left as it is). `@channel`, `@here` and `@everyone` get a zero-width space after the `@`.
 */
export function neutraliseMrkdwn(text: string): string {
    return escapeMrkdwn(text)
        .replace(/(?<![\p{L}\p{N}])[*_~`]|[*_~`](?![\p{L}\p{N}])/gu, "\u200b$&\u200b")
        .replace(/@(?=(?:channel|here|everyone)\b)/gi, "@\u200b");
}

/** Cuts `text` to at most `max` UTF-16 units, ending with "…" when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
    if (text.length <= max) {
        return text;
    }
    let out = "";
    for (const ch of text) {
        if (out.length + ch.length > max - 1) {
            break;
        }
        out += ch;
    }
    return out + "…";
}

/** `text` through `escape`, cut to `max` characters without splitting what one character became. */
function escapeAndCut(text: string, max: number, escape: (text: string) => string): string {
    const escaped = escape(text);
    if (escaped.length <= max) {
        return escaped;
    }
    let out = "";
    for (const ch of text) {
        const piece = escape(ch);
        if (out.length + piece.length > max - 1) {
            break;
        }
        out += piece;
    }
    return out + "…";
}

/** Untrusted text for mrkdwn (neutraliseMrkdwn), truncated without cutting an entity (`&amp;`) in half. */
export function mrkdwn(text: string, max: number): string {
    return escapeAndCut(text, max, neutraliseMrkdwn);
}

/** Text inside a mrkdwn code span (where nothing is formatted): escaped, and without backticks that would end it. */
function code(text: string, max: number): string {
    return "`" + escapeAndCut(text.replace(/`/g, "'"), max - 2, escapeMrkdwn) + "`";
}

/** CloudWatch's console path encoding: URI-encode, then encode the `%` again as `$25`. */
export function consoleEncode(value: string): string {
    return encodeURIComponent(value).replace(/%/g, "$25");
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function consoleBase(region: string): string {
    return `https://${region}.console.aws.amazon.com`;
}

/** The CloudWatch console page of one log stream. */
export function logStreamUrl(region: string, logGroupName: string, logStreamName: string): string {
    return `${consoleBase(region)}/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleEncode(logGroupName)}/log-events/${consoleEncode(logStreamName)}`;
}

/** The ECS console page of one task. */
export function ecsTaskUrl(region: string, clusterName: string, taskId: string): string {
    return `${consoleBase(region)}/ecs/v2/clusters/${encodeURIComponent(clusterName)}/tasks/${encodeURIComponent(taskId)}?region=${region}`;
}

/** The CloudWatch console page of one alarm. */
export function alarmUrl(region: string, alarmName: string): string {
    return `${consoleBase(region)}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/** The S3 console page of one object. */
export function s3ObjectUrl(region: string, bucket: string, key: string): string {
    return `https://s3.console.aws.amazon.com/s3/object/${encodeURIComponent(bucket)}?region=${region}&prefix=${encodeURIComponent(key)}`;
}

// ---------------------------------------------------------------------------------------------
// Reading untyped JSON safely

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
    if (typeof value === "string") {
        return value;
    }
    if (typeof value === "number" && Number.isFinite(value)) {
        return String(value);
    }
    return undefined;
}

function num(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) {
        return value;
    }
    if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) {
        return Number(value);
    }
    return undefined;
}

function arr(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** The last `/`-separated part of an ARN: a task id, a cluster name. */
function arnTail(arn: string | undefined): string | undefined {
    if (!arn) {
        return undefined;
    }
    const parts = arn.split("/");
    return parts[parts.length - 1] || undefined;
}

/** The region field of an ARN, when it looks like one. */
function arnRegion(arn: string | undefined): string | undefined {
    const region = arn?.split(":")[3];
    return region && REGION_PATTERN.test(region) ? region : undefined;
}

function pickRegion(candidate: string | undefined, fallback: string): string {
    return candidate && REGION_PATTERN.test(candidate) ? candidate : fallback;
}

// ---------------------------------------------------------------------------------------------
// Block builders

function header(text: string): object {
    return { type: "header", text: { type: "plain_text", text: truncate(text, LIMITS.headerText), emoji: true } };
}

/**
 * A mrkdwn text object. `verbatim` turns off Slack's own parsing of URLs, channel names and mentions
 * in plain text (https://api.slack.com/reference/block-kit/composition-objects#text); our `<url|label>`
 * links still work.
 */
function mrkdwnText(text: string, max: number): object {
    return { type: "mrkdwn", text: truncate(text, max), verbatim: true };
}

function section(text: string): object {
    return { type: "section", text: mrkdwnText(text, LIMITS.sectionText) };
}

function fieldsSection(fields: Array<[label: string, value: string]>): object {
    return {
        type: "section",
        fields: fields.slice(0, LIMITS.fields).map(([label, value]) => mrkdwnText(`*${label}*\n${value}`, LIMITS.fieldText)),
    };
}

function context(parts: string[]): object {
    return { type: "context", elements: [mrkdwnText(parts.join("  •  "), LIMITS.contextText)] };
}

/** Links in one section; a link that would not fit whole is left out (a cut link would be broken). */
function links(items: Array<[label: string, url: string]>): object {
    let text = "";
    for (const [label, url] of items) {
        const link = `<${url}|${label}>`;
        const next = text === "" ? link : `${text}  •  ${link}`;
        if (next.length <= LIMITS.sectionText) {
            text = next;
        }
    }
    return section(text || "(links too long to show)");
}

function contextParts(ctx: FormatContext, extra: string[]): string[] {
    const parts = [...extra];
    if (ctx.channelLabel) {
        parts.unshift(mrkdwn(ctx.channelLabel, 200));
    }
    return parts;
}

// ---------------------------------------------------------------------------------------------
// ECS task state change

interface Container {
    name?: string;
    exitCode?: number;
    reason?: string;
    lastStatus?: string;
}

export function isEcsTaskStateChange(message: unknown): message is Json & { detail: Json } {
    return isObject(message) && message.source === "aws.ecs" && message["detail-type"] === "ECS Task State Change" && isObject(message.detail);
}

function readContainers(detail: Json): Container[] {
    return arr(detail.containers)
        .filter(isObject)
        .map((c) => ({ name: str(c.name), exitCode: num(c.exitCode), reason: str(c.reason), lastStatus: str(c.lastStatus) }));
}

/** S3_BUCKET and S3_KEY from the container overrides the upload rule set. */
export function readFile(detail: Json): { bucket?: string; key?: string; container?: string } {
    const overrides = isObject(detail.overrides) ? detail.overrides : {};
    for (const o of arr(overrides.containerOverrides).filter(isObject)) {
        const env = new Map<string, string>();
        for (const e of arr(o.environment).filter(isObject)) {
            const name = str(e.name);
            const value = str(e.value);
            if (name !== undefined && value !== undefined) {
                env.set(name, value);
            }
        }
        if (env.has("S3_KEY") || env.has("S3_BUCKET")) {
            return { bucket: env.get("S3_BUCKET"), key: env.get("S3_KEY"), container: str(o.name) };
        }
    }
    return {};
}

const isOom = (c: Container) => (c.reason ?? "").startsWith("OutOfMemoryError");

function formatEcsTask(event: Json & { detail: Json }, ctx: FormatContext): SlackMessage {
    const detail = event.detail;
    const region = pickRegion(str(event.region), arnRegion(str(detail.taskArn)) ?? ctx.region);
    const containers = readContainers(detail);
    const file = readFile(detail);
    const stopCode = str(detail.stopCode);
    const stoppedReason = str(detail.stoppedReason);
    const taskArn = str(detail.taskArn);
    const taskId = arnTail(taskArn);
    const clusterName = arnTail(str(detail.clusterArn));
    const memory = str(detail.memory);
    const cpu = str(detail.cpu);
    const taskDefinition = arnTail(str(detail.taskDefinitionArn)?.replace(/:task-definition\//, "/"));

    const oomContainers = containers.filter(isOom);
    const oom = oomContainers.length > 0;
    const failedToStart = stopCode === "TaskFailedToStart";
    const spot = stopCode === "SpotInterruption";
    // The container the message is about: out of memory, else a non-zero exit, else the file's, else the first.
    const primary =
        oomContainers[0] ??
        containers.find((c) => c.exitCode !== undefined && c.exitCode !== 0) ??
        containers.find((c) => c.name !== undefined && c.name === file.container) ??
        containers[0];
    const exitCode = primary?.exitCode;

    const fileText = file.key !== undefined ? `s3://${file.bucket ?? "?"}/${file.key}` : undefined;
    const fileName = file.key !== undefined ? file.key.split("/").pop() || file.key : "unknown file";
    const startError = failedToStart ? (stoppedReason ?? "").match(/^([A-Za-z]+Error)\b/)?.[1] : undefined;

    let title: string;
    let summary: string;
    if (oom) {
        title = `🧠 OUT OF MEMORY: ${fileName}`;
        summary =
            `*Out of memory* — container ${code(primary?.name ?? "?", 100)} was killed for exceeding the task's memory` +
            (memory ? ` of *${mrkdwn(memory, 20)} MiB*` : "") +
            ` (exit code ${exitCode ?? "none"}${exitCode === 0 ? ": the exit code hides it" : ""}). Raise \`taskMemory\` or split the file.`;
    } else if (failedToStart) {
        title = `🚫 Task failed to start${startError ? ` (${startError})` : ""}: ${fileName}`;
        summary = `*Task failed to start*${startError ? ` — ${mrkdwn(startError, 100)}` : ""}. The file was not processed.`;
    } else if (spot) {
        title = `⚠️ Spot interruption: ${fileName}`;
        summary = "*Spot interruption* — AWS reclaimed the Fargate Spot capacity. The file's status is `interrupted`; nothing retries it automatically: upload it again to reprocess.";
    } else if (exitCode !== undefined && exitCode !== 0) {
        // The exit code and its meaning are in the title and the fields; the summary says why.
        title = `🔴 Task failed (exit ${exitCode}): ${fileName}`;
        summary = ctx.processorError
            ? `*Reason* — ${code(ctx.processorError.class, 200)}: ${mrkdwn(ctx.processorError.message, 1500)}`
            : "*Reason* — not in the ECS event: the file's status document (`error`) and the container logs give it.";
    } else {
        title = `ℹ️ Task stopped: ${fileName}`;
        summary = `*Task stopped*${exitCode !== undefined ? ` with exit code ${exitCode} (${mrkdwn(exitCodeMeaning(exitCode), 300)})` : ""}.`;
    }

    const fields: Array<[string, string]> = [
        ["File", fileText !== undefined ? mrkdwn(fileText, 1900) : "unknown (no S3_KEY override)"],
        [
            "Exit code",
            exitCode === undefined
                ? mrkdwn(exitCodeMeaning(undefined), 300)
                : oom && exitCode === 0
                  ? "0 — misleading: the container ran out of memory"
                  : `${exitCode} — ${mrkdwn(exitCodeMeaning(exitCode), 300)}`,
        ],
    ];
    if (oom) {
        fields.push(["Memory", memory ? `${mrkdwn(memory, 20)} MiB (task) — out of memory` : "unknown — out of memory"]);
    }
    fields.push(["Stop code", stopCode ? mrkdwn(stopCode + (spot ? " (Spot interruption)" : ""), 200) : "–"]);
    if (cpu || memory) {
        fields.push(["Task size", `${cpu ? `${mrkdwn(cpu, 20)} CPU units` : "? CPU"} / ${memory ? `${mrkdwn(memory, 20)} MiB` : "? MiB"}`]);
    }
    const capacity = str(detail.capacityProviderName) ?? str(detail.launchType);
    if (capacity) {
        fields.push(["Capacity", mrkdwn(capacity, 100)]);
    }

    const blocks: object[] = [header(title), section(summary), fieldsSection(fields)];

    if (stoppedReason) {
        blocks.push(section(`*Stopped reason*\n${mrkdwn(stoppedReason, 2800)}`));
    }
    const withReasons = containers.filter((c) => c.reason || containers.length > 1);
    if (withReasons.length > 0) {
        const lines = withReasons.map(
            (c) => `• ${code(c.name ?? "?", 100)}: exit ${c.exitCode ?? "none"}${c.reason ? ` — ${mrkdwn(c.reason, 600)}` : ""}`,
        );
        blocks.push(section(`*Container${withReasons.length > 1 ? "s" : ""}*\n${lines.join("\n")}`));
    }

    blocks.push(
        context(
            contextParts(ctx, [
                clusterName ? `cluster ${code(clusterName, 200)}` : "",
                taskId ? `task ${code(taskId, 100)}` : "",
                taskDefinition ? `${code(taskDefinition, 200)}` : "",
                str(event.time) ? mrkdwn(str(event.time)!, 50) : "",
                mrkdwn(region, 50),
            ].filter((p) => p !== "")),
        ),
    );

    const linkItems: Array<[string, string]> = [];
    const containerName = primary?.name ?? file.container;
    if (ctx.logGroupName && ctx.logStreamPrefix && containerName && taskId) {
        const stream = `${ctx.logStreamPrefix}/${containerName}/${taskId}`;
        linkItems.push([failedToStart ? "Logs (empty if the container never started)" : "Container logs", logStreamUrl(region, ctx.logGroupName, stream)]);
    }
    if (clusterName && taskId) {
        linkItems.push(["ECS task", ecsTaskUrl(region, clusterName, taskId)]);
    }
    if (file.bucket && file.key !== undefined) {
        linkItems.push(["File in S3", s3ObjectUrl(region, file.bucket, file.key)]);
    }
    if (linkItems.length > 0) {
        blocks.push(links(linkItems));
    }

    const fallbackLead = oom
        ? `OUT OF MEMORY (${memory ?? "?"} MiB)`
        : failedToStart
          ? `Task failed to start${startError ? ` (${startError})` : ""}`
          : spot
            ? "Spot interruption"
            : exitCode !== undefined && exitCode !== 0
              ? `Task failed, exit ${exitCode} (${exitCodeMeaning(exitCode)})`
              : "Task stopped";
    const text = mrkdwn(`${fallbackLead}: ${fileText ?? fileName}`, LIMITS.fallbackText);
    return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch alarm

export function isAlarmNotification(message: unknown): message is Json {
    return isObject(message) && typeof message.AlarmName === "string" && typeof message.NewStateValue === "string";
}

const COMPARISON: Record<string, string> = {
    GreaterThanOrEqualToThreshold: "≥",
    GreaterThanThreshold: ">",
    LessThanThreshold: "<",
    LessThanOrEqualToThreshold: "≤",
    LessThanLowerOrGreaterThanUpperThreshold: "outside band",
    LessThanLowerThreshold: "< lower band",
    GreaterThanUpperThreshold: "> upper band",
};

function describeMetric(trigger: Json): string | undefined {
    const name = str(trigger.MetricName);
    if (name) {
        const ns = str(trigger.Namespace);
        const dims = arr(trigger.Dimensions)
            .filter(isObject)
            .map((d) => `${str(d.name) ?? str(d.Name) ?? "?"}=${str(d.value) ?? str(d.Value) ?? "?"}`);
        return `${ns ? `${ns} ` : ""}${name}${dims.length ? ` (${dims.join(", ")})` : ""}`;
    }
    const metrics = arr(trigger.Metrics).filter(isObject);
    if (metrics.length === 0) {
        return undefined;
    }
    const returned = metrics.find((m) => m.ReturnData === true) ?? metrics[0];
    const expression = str(returned.Expression);
    const label = str(returned.Label);
    const inputs = metrics
        .filter((m) => isObject(m.MetricStat))
        .map((m) => {
            const stat = m.MetricStat as Json;
            const metric = isObject(stat.Metric) ? stat.Metric : {};
            return `${str(m.Id) ?? "?"} = ${str(metric.Namespace) ?? "?"} ${str(metric.MetricName) ?? "?"}`;
        });
    const head = expression ? `${label ? `${label}: ` : ""}${expression}` : (label ?? str(returned.Id) ?? "metric math");
    return inputs.length ? `${head} (${inputs.join("; ")})` : head;
}

function formatAlarm(alarm: Json, ctx: FormatContext): SlackMessage {
    const name = str(alarm.AlarmName) ?? "?";
    const state = str(alarm.NewStateValue) ?? "?";
    const old = str(alarm.OldStateValue);
    const region = arnRegion(str(alarm.AlarmArn)) ?? ctx.region;
    const icon = state === "ALARM" ? "🔴" : state === "OK" ? "✅" : "⚪";
    const trigger = isObject(alarm.Trigger) ? alarm.Trigger : {};

    const blocks: object[] = [header(`${icon} ${state}: ${name}`)];
    const description = str(alarm.AlarmDescription);
    if (description) {
        blocks.push(section(mrkdwn(description, 2900)));
    }
    const reason = str(alarm.NewStateReason);
    blocks.push(section(`*Reason*\n${reason ? mrkdwn(reason, 2900) : "–"}`));

    const fields: Array<[string, string]> = [["State", mrkdwn(`${old ?? "?"} → ${state}`, 200)]];
    const metric = describeMetric(trigger);
    if (metric) {
        fields.push(["Metric", mrkdwn(metric, 1900)]);
    }
    const threshold = num(trigger.Threshold);
    const operator = str(trigger.ComparisonOperator);
    if (threshold !== undefined || operator) {
        fields.push(["Threshold", mrkdwn(`${operator ? (COMPARISON[operator] ?? operator) : ""} ${threshold ?? ""}`.trim(), 200)]);
    }
    const periods = num(trigger.EvaluationPeriods);
    const period = num(trigger.Period);
    if (periods !== undefined) {
        const datapoints = num(trigger.DatapointsToAlarm) ?? periods;
        fields.push(["Evaluation", `${datapoints} of ${periods} period${periods === 1 ? "" : "s"}${period !== undefined ? ` of ${period} s` : ""}`]);
    }
    const time = str(alarm.StateChangeTime);
    if (time) {
        fields.push(["Changed at", mrkdwn(time, 100)]);
    }
    blocks.push(fieldsSection(fields));

    const account = str(alarm.AWSAccountId);
    blocks.push(context(contextParts(ctx, [account ? `account ${mrkdwn(account, 20)}` : "", mrkdwn(region, 50)].filter((p) => p !== ""))));
    blocks.push(links([["Alarm in CloudWatch", alarmUrl(region, name)]]));

    const text = mrkdwn(`${state}: ${name}${reason ? ` — ${reason}` : ""}`, LIMITS.fallbackText);
    return { text, blocks };
}

// ---------------------------------------------------------------------------------------------
// Anything else

function rawText(message: unknown): string {
    if (typeof message === "string") {
        return message;
    }
    try {
        return JSON.stringify(message) ?? String(message);
    } catch {
        return String(message);
    }
}

/** The message for anything not recognised: the subject and the first characters of the raw text. */
export function formatUnrecognised(message: unknown, ctx: FormatContext): SlackMessage {
    const raw = truncate(rawText(message), LIMITS.rawExcerpt);
    const title = ctx.subject ? `📣 ${ctx.subject}` : "📣 Unrecognised notification";
    const blocks: object[] = [
        header(title),
        section(`*Unrecognised notification* — shown raw (first ${LIMITS.rawExcerpt} characters):`),
        section("```" + escapeAndCut(raw.replace(/```/g, "`\u200b``"), LIMITS.sectionText - 6, escapeMrkdwn) + "```"),
    ];
    const parts = contextParts(ctx, [mrkdwn(ctx.region, 50)]);
    blocks.push(context(parts));
    return { text: mrkdwn(`Unrecognised notification: ${truncate(raw, 200)}`, LIMITS.fallbackText), blocks };
}

/** Which formatter a message goes to. */
export function classify(message: unknown): NotificationKind {
    if (isEcsTaskStateChange(message)) {
        return "ecs-task";
    }
    if (isAlarmNotification(message)) {
        return "alarm";
    }
    return "unrecognised";
}

/**
 * The Slack message for one notification: `message` is the parsed SNS message (or the raw string
 * when it is not JSON). Never throws.
 */
export function formatNotification(message: unknown, ctx: FormatContext): SlackMessage {
    try {
        switch (classify(message)) {
            case "ecs-task":
                return formatEcsTask(message as Json & { detail: Json }, ctx);
            case "alarm":
                return formatAlarm(message as Json, ctx);
            default:
                return formatUnrecognised(message, ctx);
        }
    } catch {
        return formatUnrecognised(message, ctx);
    }
}
