/** Inputs of the Slack notifier's tests: the recorded notifications in tests/fixtures/notifier, and SNS events carrying them. */
import * as fs from "fs";
import * as path from "path";
import type { SNSEvent } from "aws-lambda";

export const NOTIFIER_FIXTURES = path.join(__dirname, "..", "fixtures", "notifier");

/** A file of tests/fixtures/notifier, as text. */
export function fixtureText(name: string): string {
    return fs.readFileSync(path.join(NOTIFIER_FIXTURES, name), "utf8");
}

/** An SNS event as Lambda receives it, one record per message (a message text, or a text with a subject); message ids msg-1, msg-2, … */
export function snsEvent(...messages: Array<string | { message: string; subject?: string }>): SNSEvent {
    return {
        Records: messages.map((m, i) => {
            const { message, subject } = typeof m === "string" ? { message: m, subject: undefined } : m;
            return {
                EventVersion: "1.0",
                EventSubscriptionArn: "arn:aws:sns:eu-west-1:123456789012:alerts:2f1e",
                EventSource: "aws:sns",
                Sns: {
                    SignatureVersion: "1",
                    Timestamp: "2026-03-14T09:14:43.000Z",
                    Signature: "sig",
                    SigningCertUrl: "https://sns.eu-west-1.amazonaws.com/cert.pem",
                    MessageId: `msg-${i + 1}`,
                    Message: message,
                    MessageAttributes: {},
                    Type: "Notification",
                    UnsubscribeUrl: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
                    TopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
                    Subject: subject,
                },
            };
        }),
    };
}
