/**
 * Inputs of the Slack notifier's tests: the recorded notifications in tests/fixtures/notifier, SNS
 * events carrying them and the formatting context; and readers of the Slack messages it builds.
 */
import * as fs from "fs";
import * as path from "path";
import type { SNSEvent } from "aws-lambda";
import type { FormatContext, SlackMessage } from "../../app/src/notifier/format";

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

/** The formatting context of the dev stack's notifier. */
export const CTX: FormatContext = {
    region: "us-east-1",
    channelLabel: "#data-alerts (dev)",
    logGroupName: "/ecs/s3-fargate-pipeline-dev-processor",
    logStreamPrefix: "processor",
};

/** A Slack text object, and a block, as far as the tests read them. */
export interface TextObject {
    type: string;
    text: string;
}
export interface Block {
    type: string;
    text?: TextObject;
    fields?: TextObject[];
    elements?: TextObject[];
}

/** The message's blocks; the text of its header block; every text in it, the fallback first. */
export const blocksOf = (m: SlackMessage) => m.blocks as Block[];
export const headerOf = (m: SlackMessage) => blocksOf(m).find((b) => b.type === "header")!.text!.text;
/** Every text object in the message, with the block type it belongs to. */
export function textsOf(m: SlackMessage): Array<{ block: string; kind: "text" | "field" | "element"; obj: TextObject }> {
    const out: Array<{ block: string; kind: "text" | "field" | "element"; obj: TextObject }> = [];
    for (const b of blocksOf(m)) {
        if (b.text) out.push({ block: b.type, kind: "text", obj: b.text });
        for (const f of b.fields ?? []) out.push({ block: b.type, kind: "field", obj: f });
        for (const e of b.elements ?? []) out.push({ block: b.type, kind: "element", obj: e });
    }
    return out;
}
export const allText = (m: SlackMessage) => [m.text, ...textsOf(m).map((t) => t.obj.text)].join("\n");
/** The `<url|label>` links in the message. */
export function linksOf(m: SlackMessage): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of textsOf(m)) {
        for (const match of t.obj.text.matchAll(/<([^|>]+)\|([^>]+)>/g)) out[match[2]] = match[1];
    }
    return out;
}

