/**
 * The processor's exit codes (sysexits.h values where one fits), so a task's exit code says what
 * happened without reading its logs. The notifier and the README's operations section use them.
 */
export const ExitCode = {
    /** Summary and status written, or a duplicate event skipped. */
    OK: 0,
    /** Missing or invalid settings (environment). */
    CONFIG: 64,
    /** The file cannot be summarised: empty, binary, not delimited, corrupt or truncated gzip. */
    INPUT: 65,
    /** The object does not exist (deleted after the event, or a wrong key). */
    NOT_FOUND: 66,
    /** An unexpected error in the processor itself. */
    INTERNAL: 70,
    /** S3 failed in a way worth retrying (throttling, 5xx, network). */
    TRANSIENT: 75,
    /** Access denied by IAM, a bucket policy or KMS. */
    ACCESS_DENIED: 77,
    /** Stopped by SIGTERM (Spot interruption, scale-in, stop): status `interrupted`. 128 + 15. */
    INTERRUPTED: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure with the exit code it should end the process with. */
export class ProcessorError extends Error {
    constructor(
        message: string,
        public readonly exitCode: ExitCodeValue,
        public readonly errorClass: string,
    ) {
        super(message);
        this.name = errorClass;
    }
}
