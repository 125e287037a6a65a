/**
 * Keeps secrets out of what a command's output becomes: log lines and the stderr lines a `failed`
 * status document carries. Redacted are the values of the command's environment variables whose
 * names say they hold a secret (`*_TOKEN`, `*SECRET*`, `*PASSWORD*`, `AWS_SESSION_TOKEN`, …), AWS
 * access key IDs and secret-key-shaped strings, credentials in URLs and bearer tokens.
 */

/** Variable names whose values are secrets. */
export const SECRET_NAME = /SECRET|TOKEN|PASSW(OR)?D|PASSPHRASE|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|SESSION|AUTH|WEBHOOK|SIGNATURE|COOKIE|DSN|CONNECTION_?STRING/i;

/** Values shorter than this are not redacted by value (a "1" or "true" would blank out ordinary text). */
const MIN_SECRET_LENGTH = 6;

interface Pattern {
    re: RegExp;
    replace: string;
}

const PATTERNS: Pattern[] = [
    // AWS access key IDs (long-term AKIA…, temporary ASIA…, and role/user IDs that share the shape).
    { re: /\b(?:AKIA|ASIA|AROA|AIDA|ANPA|AGPA)[A-Z0-9]{16}\b/g, replace: "[redacted:aws-access-key-id]" },
    // user:password@ in URLs.
    { re: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi, replace: "$1[redacted]@" },
    // Authorization: Bearer <token>
    { re: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, replace: "$1[redacted]" },
];

/**
 * 40 characters of base64 with upper and lower case letters and a digit or `/` or `+`: the shape of
 * an AWS secret access key (a hex digest, all one case, is left alone).
 */
const AWS_SECRET_SHAPE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;

function looksLikeAwsSecret(s: string): boolean {
    return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9/+]/.test(s);
}

export type Redactor = (text: string) => string;

/** A redactor for text produced by a command run with `env`. */
export function createRedactor(env: Record<string, string | undefined>): Redactor {
    const secrets = Object.entries(env)
        .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH)
        .map(([name, value]) => ({ name, value: value as string }))
        // Longest first, so a secret that contains another is replaced whole.
        .sort((a, b) => b.value.length - a.value.length);
    return (text: string): string => {
        let out = text;
        for (const { name, value } of secrets) {
            if (out.includes(value)) {
                out = out.split(value).join(`[redacted:${name}]`);
            }
        }
        for (const { re, replace } of PATTERNS) {
            out = out.replace(re, replace);
        }
        return out.replace(AWS_SECRET_SHAPE, (m) => (looksLikeAwsSecret(m) ? "[redacted:aws-secret-key]" : m));
    };
}
