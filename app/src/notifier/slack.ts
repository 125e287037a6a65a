/**
 * Posting to a Slack incoming webhook, with retries: 429 (honouring Retry-After, capped), 5xx,
 * network errors and timeouts are retried with exponential backoff and jitter; any other 4xx
 * (400 invalid_payload, 403 invalid_token, 404 no_service, 410 channel_is_archived…) is not.
 *
 * The webhook URL is a secret: it never appears in an error message or a log line. A URL that
 * holds a user name or password is refused before any request (fetch would refuse it too, with an
 * error quoting the URL), and not retried.
 */
import type { SlackMessage } from "./format";

export interface PostOptions {
    /** The fetch to use. @default globalThis.fetch */
    fetch?: typeof fetch;
    /** How to wait between attempts. @default setTimeout */
    sleep?: (ms: number) => Promise<void>;
    /** Per-attempt timeout, covering the response body too. @default 5000 */
    timeoutMs?: number;
    /** Attempts in all, the first included (≥ 1). @default 4 */
    maxAttempts?: number;
    /** Backoff before the 2nd attempt; doubles each time. @default 500 */
    baseDelayMs?: number;
    /** Cap on one backoff delay. @default 8000 */
    maxDelayMs?: number;
    /** Cap on a Retry-After wait. @default 20000 */
    maxRetryAfterMs?: number;
    /** Random number in [0, 1) for the jitter. @default Math.random */
    random?: () => number;
    /** Clock, for `deadline`. @default Date.now */
    now?: () => number;
    /**
     * Give up (throwing the last error) rather than start a wait plus attempt that would end after
     * this time (epoch ms), e.g. before the Lambda times out. @default none
     */
    deadline?: number;
    /** Called before each wait. */
    onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
    /** The attempt that failed (1-based). */
    attempt: number;
    /** How long it waits before the next one. */
    delayMs: number;
    /** HTTP status, when there was a response. */
    status?: number;
    /** Why it failed. */
    reason: string;
}

export interface PostResult {
    status: number;
    attempts: number;
}

/** Delivery failed for good: a non-retryable status, or every attempt used. */
export class SlackDeliveryError extends Error {
    constructor(
        message: string,
        /** HTTP status of the last response, when there was one. */
        public readonly status: number | undefined,
        /** Body of the last response (truncated), when there was one. */
        public readonly body: string | undefined,
        public readonly attempts: number,
        /** Whether the last failure was of a retryable kind (the attempts or the time ran out). */
        public readonly retryable: boolean,
    ) {
        super(message);
        this.name = "SlackDeliveryError";
    }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
    if (value === null || value.trim() === "") {
        return undefined;
    }
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) {
        return Math.round(Number(trimmed) * 1000);
    }
    const date = Date.parse(trimmed);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
    const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
    return Math.round(exp / 2 + random() * (exp / 2));
}

/** Any URL in `text` replaced: error messages of fetch and its causes may quote the webhook URL. */
export function redactUrls(text: string): string {
    return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/(?:[^\s"'<>]*[^\s"'<>.,:;)])?/gi, "<URL redacted>");
}

function describeError(err: unknown): string {
    if (err instanceof Error) {
        if (err.name === "TimeoutError" || err.name === "AbortError") {
            return "timed out";
        }
        const cause = (err as Error & { cause?: unknown }).cause;
        const causeText = cause instanceof Error ? `: ${(cause as Error & { code?: string }).code ?? cause.message}` : "";
        return redactUrls(`${err.message}${causeText}`);
    }
    return redactUrls(String(err));
}

function checkUrl(url: string): void {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        throw new SlackDeliveryError("The Slack webhook URL is not a valid URL", undefined, undefined, 0, false);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
        throw new SlackDeliveryError(`The Slack webhook URL must be https, not ${parsed.protocol}`, undefined, undefined, 0, false);
    }
    if (parsed.username !== "" || parsed.password !== "") {
        throw new SlackDeliveryError("The Slack webhook URL must not hold a user name or password (Slack's webhook URLs never do); not sent, not retried", undefined, undefined, 0, false);
    }
}

/** Posts `message` to the webhook at `url`; resolves on a 2xx, throws SlackDeliveryError otherwise. */
export async function postToSlack(url: string, message: SlackMessage, opts: PostOptions = {}): Promise<PostResult> {
    checkUrl(url);
    const doFetch = opts.fetch ?? globalThis.fetch;
    const sleep = opts.sleep ?? defaultSleep;
    const timeoutMs = opts.timeoutMs ?? 5000;
    const maxAttempts = Math.max(1, Math.floor(opts.maxAttempts ?? 4));
    const baseDelayMs = opts.baseDelayMs ?? 500;
    const maxDelayMs = opts.maxDelayMs ?? 8000;
    const maxRetryAfterMs = opts.maxRetryAfterMs ?? 20000;
    const random = opts.random ?? Math.random;
    const now = opts.now ?? Date.now;
    const body = JSON.stringify(message);

    for (let attempt = 1; ; attempt++) {
        let status: number | undefined;
        let responseBody: string | undefined;
        let reason: string;
        let retryAfterMs: number | undefined;
        try {
            const response = await doFetch(url, {
                method: "POST",
                headers: { "content-type": "application/json; charset=utf-8" },
                body,
                signal: AbortSignal.timeout(timeoutMs),
            });
            status = response.status;
            responseBody = redactUrls((await response.text()).slice(0, 500));
            if (status >= 200 && status < 300) {
                return { status, attempts: attempt };
            }
            reason = `HTTP ${status} ${responseBody}`.trim();
            if (status === 429) {
                retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), now());
            } else if (status < 500) {
                throw new SlackDeliveryError(
                    `Slack rejected the message: HTTP ${status}${responseBody ? ` ${responseBody}` : ""} (not retried)`,
                    status,
                    responseBody,
                    attempt,
                    false,
                );
            }
        } catch (err) {
            if (err instanceof SlackDeliveryError) {
                throw err;
            }
            // Network error, timeout, or the body could not be read.
            reason = describeError(err);
        }

        const exhausted = (why: string) =>
            new SlackDeliveryError(
                `Slack delivery failed after ${attempt} attempt${attempt === 1 ? "" : "s"}${why}: ${reason}`,
                status,
                responseBody,
                attempt,
                true,
            );
        if (attempt >= maxAttempts) {
            throw exhausted("");
        }
        const delayMs = retryAfterMs !== undefined ? Math.min(retryAfterMs, maxRetryAfterMs) : backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
        if (opts.deadline !== undefined && now() + delayMs + timeoutMs > opts.deadline) {
            throw exhausted(" (no time left for another)");
        }
        opts.onRetry?.({ attempt, delayMs, status, reason });
        await sleep(delayMs);
    }
}
