/**
 * The Slack notifier Lambda: subscribed to the alert topic, it formats each SNS message (task
 * failures, alarm state changes, anything else) and posts it to a Slack incoming webhook whose URL
 * it reads from Secrets Manager (cached across invocations).
 *
 * If a message cannot be delivered, the invocation throws, so Lambda's asynchronous retries and the
 * failure destination catch it: nothing is dropped silently. A message that cannot be parsed is
 * still delivered, as an "unrecognised notification" with its raw text.
 *
 * Environment:
 *   SLACK_WEBHOOK_SECRET_ARN  required: the secret; SecretString is the URL or {"url": "..."}
 *   SLACK_CHANNEL_LABEL       shown in messages
 *   LOG_GROUP_NAME            the processor's log group, for log links
 *   LOG_STREAM_PREFIX         the processor's awslogs stream prefix, for log links
 *   AWS_REGION                for console links (set by Lambda)
 *   SLACK_TIMEOUT_MS          per-attempt timeout (default 5000)
 *   SLACK_MAX_ATTEMPTS        attempts per message (default 4)
 *
 * Deployed as handler.handler next to format.js and slack.js; imports nothing else but the AWS SDK
 * the Lambda Node.js runtime provides.
 */
import type { SNSEvent } from "aws-lambda";
import { classify, formatNotification, isEcsTaskStateChange, readFile } from "./format";
import { isQuietSmokeCheckKey } from "./smoke";
import { postToSlack, SlackDeliveryError } from "./slack";

export interface HandlerDeps {
    /** The webhook URL (cache it: it is called once per record). */
    getWebhookUrl(): Promise<string>;
    /** Called after Slack says the URL is gone (403, 404, 410), so the next call reads the secret again. */
    invalidateWebhookUrl?(): void;
    /** @default globalThis.fetch */
    post?: typeof fetch;
    /** @default setTimeout */
    sleep?: (ms: number) => Promise<void>;
    /** One JSON log line. @default console.log(JSON.stringify(line)) */
    log?: (line: object) => void;
    /** For console links. @default env AWS_REGION, else "us-east-1" */
    region?: string;
    /** @default env SLACK_CHANNEL_LABEL */
    channelLabel?: string;
    /** @default env LOG_GROUP_NAME */
    logGroupName?: string;
    /** @default env LOG_STREAM_PREFIX */
    logStreamPrefix?: string;
    /** @default env SLACK_TIMEOUT_MS, else 5000 */
    timeoutMs?: number;
    /** @default env SLACK_MAX_ATTEMPTS, else 4 */
    maxAttempts?: number;
    /** Retry backoff base (tests shorten it). @default 500 */
    baseDelayMs?: number;
    /** Cap on a Retry-After wait. @default 20000 */
    maxRetryAfterMs?: number;
}

/** The part of the Lambda context the handler uses (to stop retrying before the function times out). */
export interface InvocationContext {
    getRemainingTimeInMillis(): number;
}

export type NotifierHandler = (event: SNSEvent, context?: InvocationContext) => Promise<void>;

/** Leave this much of the invocation's time unused, so a failure is reported rather than timed out. */
const SAFETY_MARGIN_MS = 3000;

/** Reads a positive integer from the environment; `fallback` when unset, empty or not one. */
export function positiveIntFromEnv(value: string | undefined, fallback: number): number {
    if (value === undefined || !/^\s*\d+\s*$/.test(value)) {
        return fallback;
    }
    const n = Number(value);
    return n > 0 ? n : fallback;
}

/** The webhook URL in a SecretString: the URL itself, or JSON `{"url": "..."}`. */
export function webhookUrlFromSecret(secretString: string | undefined): string {
    const text = (secretString ?? "").trim();
    if (text === "") {
        throw new Error("The Slack webhook secret is empty (or has no SecretString)");
    }
    let url: string = text;
    if (text.startsWith("{")) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            throw new Error('The Slack webhook secret looks like JSON but does not parse; expected {"url": "https://hooks.slack.com/…"}');
        }
        const candidate = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>).url : undefined;
        if (typeof candidate !== "string" || candidate.trim() === "") {
            throw new Error('The Slack webhook secret is JSON without a "url" string; expected {"url": "https://hooks.slack.com/…"}');
        }
        url = candidate.trim();
    }
    if (!/^https?:\/\/[^\s]+$/i.test(url)) {
        // Do not echo the value: it is a secret.
        throw new Error("The Slack webhook secret is neither an http(s) URL nor JSON {\"url\": \"…\"}");
    }
    return url;
}

export interface WebhookSource {
    get(): Promise<string>;
    invalidate(): void;
}

/**
 * The webhook URL from a Secrets Manager secret, read once and cached (also across invocations, when
 * created at module level). A failed read is not cached. `readSecret` is for tests.
 */
export function secretsManagerWebhookSource(secretArn: string, readSecret?: (arn: string) => Promise<string | undefined>): WebhookSource {
    const read = readSecret ?? readSecretString;
    let cached: Promise<string> | undefined;
    return {
        get() {
            if (!secretArn) {
                return Promise.reject(new Error("SLACK_WEBHOOK_SECRET_ARN is not set"));
            }
            if (!cached) {
                const pending = read(secretArn).then(webhookUrlFromSecret);
                cached = pending;
                pending.catch(() => {
                    if (cached === pending) {
                        cached = undefined;
                    }
                });
            }
            return cached;
        },
        invalidate() {
            cached = undefined;
        },
    };
}

async function readSecretString(secretArn: string): Promise<string | undefined> {
    // Loaded on first use; the Lambda Node.js runtime provides the SDK.
    const { SecretsManagerClient, GetSecretValueCommand } = await import("@aws-sdk/client-secrets-manager");
    const client = new SecretsManagerClient({});
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return out.SecretString;
}

function errorText(err: unknown): string {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The handler, with its dependencies injected; unset options come from the environment. */
export function createHandler(deps: HandlerDeps): NotifierHandler {
    const env = process.env;
    const log = deps.log ?? ((line: object) => console.log(JSON.stringify(line)));
    const region = deps.region ?? env.AWS_REGION ?? "us-east-1";
    const channelLabel = deps.channelLabel ?? (env.SLACK_CHANNEL_LABEL || undefined);
    const logGroupName = deps.logGroupName ?? (env.LOG_GROUP_NAME || undefined);
    const logStreamPrefix = deps.logStreamPrefix ?? (env.LOG_STREAM_PREFIX || undefined);
    const timeoutMs = deps.timeoutMs ?? positiveIntFromEnv(env.SLACK_TIMEOUT_MS, 5000);
    const maxAttempts = deps.maxAttempts ?? positiveIntFromEnv(env.SLACK_MAX_ATTEMPTS, 4);

    return async (event: SNSEvent, context?: InvocationContext): Promise<void> => {
        const records = Array.isArray(event?.Records) ? event.Records : [];
        const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : undefined;
        const failures: string[] = [];
        for (const record of records) {
            const sns = record?.Sns;
            const messageId = sns?.MessageId;
            const raw = typeof sns?.Message === "string" ? sns.Message : "";
            let parsed: unknown;
            try {
                parsed = JSON.parse(raw);
            } catch (err) {
                log({ level: "warn", msg: "message is not JSON; sending it as an unrecognised notification", messageId, error: errorText(err), length: raw.length });
                parsed = raw;
            }
            const kind = classify(parsed);
            // The smoke check's file that must fail: expected, so not posted (see smoke.ts).
            if (isEcsTaskStateChange(parsed) && isQuietSmokeCheckKey(readFile(parsed.detail).key)) {
                log({ level: "info", msg: "smoke check failure, not posted to Slack", messageId, key: readFile(parsed.detail).key });
                continue;
            }
            const message = formatNotification(parsed, { region, channelLabel, logGroupName, logStreamPrefix, subject: sns?.Subject ?? undefined });
            try {
                const url = await deps.getWebhookUrl();
                const result = await postToSlack(url, message, {
                    fetch: deps.post,
                    sleep: deps.sleep,
                    timeoutMs,
                    maxAttempts,
                    baseDelayMs: deps.baseDelayMs,
                    maxRetryAfterMs: deps.maxRetryAfterMs,
                    deadline,
                    onRetry: (info) => log({ level: "warn", msg: "Slack delivery failed; retrying", messageId, ...info }),
                });
                log({ level: "info", msg: "delivered to Slack", messageId, kind, attempts: result.attempts, status: result.status });
            } catch (err) {
                if (err instanceof SlackDeliveryError && err.status !== undefined && [403, 404, 410].includes(err.status)) {
                    deps.invalidateWebhookUrl?.();
                }
                const status = err instanceof SlackDeliveryError ? err.status : undefined;
                log({ level: "error", msg: "could not deliver to Slack", messageId, kind, status, error: errorText(err) });
                failures.push(`${messageId ?? "?"}: ${errorText(err)}`);
            }
        }
        if (failures.length > 0) {
            throw new Error(`Slack notifier: ${failures.length} of ${records.length} message(s) not delivered — ${failures.join("; ")}`);
        }
    };
}

let defaultHandler: NotifierHandler | undefined;

/**
 * The Lambda entry point (`handler.handler`). Built on first use from the environment; the webhook URL
 * it reads from Secrets Manager stays cached for the life of the execution environment.
 */
export const handler: NotifierHandler = async (event, context) => {
    if (!defaultHandler) {
        const source = secretsManagerWebhookSource(process.env.SLACK_WEBHOOK_SECRET_ARN ?? "");
        defaultHandler = createHandler({ getWebhookUrl: () => source.get(), invalidateWebhookUrl: () => source.invalidate() });
    }
    return defaultHandler(event, context);
};
