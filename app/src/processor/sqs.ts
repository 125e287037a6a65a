/**
 * SQS access for worker mode: the client and what an SDK error means for the worker (retry, or stop
 * with an exit code that says why).
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { ExitCode, ProcessorError } from "./exit-codes";

export function createSqsClient(options: { region: string; sqsEndpoint?: string }): SQSClient {
    return new SQSClient({
        region: options.region,
        // With an endpoint the SDK sends every call there; without one it uses the regional endpoint
        // (or the queue URL's host when that differs).
        endpoint: options.sqsEndpoint,
        maxAttempts: 5,
    });
}

export type SqsFailure = "queue-missing" | "access-denied" | "transient" | "other";

/** What kind of failure an SQS SDK error is. */
export function classifySqs(error: unknown): SqsFailure {
    const e = error as { name?: string; code?: string; Code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
    const name = e.name ?? "";
    const status = e.$metadata?.httpStatusCode;
    if (name === "QueueDoesNotExist" || e.Code === "AWS.SimpleQueueService.NonExistentQueue") {
        return "queue-missing";
    }
    if (name === "AccessDenied" || name === "AccessDeniedException" || name === "KmsAccessDenied" || status === 403) {
        return "access-denied";
    }
    if ((status !== undefined && status >= 500) || name === "RequestThrottled" || name === "KmsThrottled" || name === "ThrottlingException" || e.$retryable !== undefined) {
        return "transient";
    }
    if (e.code && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(e.code)) {
        return "transient";
    }
    return "other";
}

/** An SQS error the worker cannot work past, as the exit code it ends with. */
export function toWorkerError(error: unknown, queueUrl: string, what: string): ProcessorError {
    const message = `${what}: ${(error as Error)?.message ?? String(error)}`;
    switch (classifySqs(error)) {
        case "queue-missing":
            return new ProcessorError(`SQS_QUEUE_URL: ${JSON.stringify(queueUrl)} is not an existing queue (${message})`, ExitCode.CONFIG, "QueueNotFound");
        case "access-denied":
            return new ProcessorError(message, ExitCode.ACCESS_DENIED, "AccessDenied");
        case "transient":
            return new ProcessorError(message, ExitCode.TRANSIENT, "SqsUnavailable");
        default:
            return new ProcessorError(message, ExitCode.INTERNAL, (error as Error)?.name || "SqsError");
    }
}
