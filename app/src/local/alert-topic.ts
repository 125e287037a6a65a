/**
 * A local stand-in for the alert topic and the task-failure rule in front of it. The local pipeline
 * hands it the ECS "Task State Change" event of each finished run; the event is matched with the
 * failure rule's pattern (the builder the Observability component uses) and, when it matches,
 * published: written to one directory as the SNS notification an SQS subscriber of the real topic
 * receives (`{"Type": "Notification", "MessageId", "TopicArn", "Message", "Timestamp"}`, the message
 * being the event's JSON). `npm run smoke` reads the directory as it reads its temporary queue in AWS.
 *
 * Each message is written to a temporary name and renamed, so a reader never sees half a file.
 */
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { matchesEventPattern, taskFailurePattern } from "../../../components/builders";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./events";

/** The ARN the local topic's notifications carry. */
export const LOCAL_ALERT_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:local-alerts`;

/** An SNS notification as an SQS subscriber receives it (without raw message delivery). */
export interface TopicNotification {
    Type: "Notification";
    MessageId: string;
    TopicArn: string;
    Subject?: string;
    Message: string;
    Timestamp: string;
}

const NOTIFICATION_FILE = /^\d{8}T\d{9}Z-[0-9a-f-]{36}\.json$/;

export class LocalAlertTopic {
    private constructor(
        readonly directory: string,
        private readonly notifySpotInterruptions: boolean,
    ) {}

    /** Publishes into `directory` (created if missing). */
    static open(directory: string, options: { notifySpotInterruptions?: boolean } = {}): LocalAlertTopic {
        fs.mkdirSync(directory, { recursive: true });
        return new LocalAlertTopic(path.resolve(directory), options.notifySpotInterruptions ?? false);
    }

    /**
     * What the failure rule and its SNS target do with an ECS Task State Change event of the task's
     * family: publish it when the rule's pattern matches (a failed task), else nothing.
     * @returns the MessageId, or undefined when the rule does not match.
     */
    deliverTaskStateChange(event: Record<string, unknown>): string | undefined {
        const detail = (event.detail ?? {}) as { clusterArn?: unknown; taskDefinitionArn?: unknown };
        const family = /:task-definition\/([^:]+):\d+$/.exec(String(detail.taskDefinitionArn))?.[1];
        if (typeof detail.clusterArn !== "string" || family === undefined) {
            return undefined;
        }
        const rule = taskFailurePattern({ clusterArn: detail.clusterArn, family, notifySpotInterruptions: this.notifySpotInterruptions });
        return matchesEventPattern(rule, event) ? this.publish(JSON.stringify(event)) : undefined;
    }

    /** Publishes one message; returns its MessageId. */
    publish(message: string, subject?: string): string {
        const now = new Date();
        const notification: TopicNotification = {
            Type: "Notification",
            MessageId: randomUUID(),
            TopicArn: LOCAL_ALERT_TOPIC_ARN,
            ...(subject === undefined ? {} : { Subject: subject }),
            Message: message,
            Timestamp: now.toISOString(),
        };
        const name = `${now.toISOString().replace(/[-:.]/g, "")}-${notification.MessageId}.json`;
        const temporary = path.join(this.directory, `.${name}.tmp`);
        fs.writeFileSync(temporary, JSON.stringify(notification));
        fs.renameSync(temporary, path.join(this.directory, name));
        return notification.MessageId;
    }
}

/**
 * The notifications in a local topic's directory, oldest first, by file name; files that are not
 * notifications are counted in `unreadable`, never skipped silently.
 */
export function readLocalNotifications(directory: string): { notifications: { file: string; notification: TopicNotification }[]; unreadable: string[] } {
    const notifications: { file: string; notification: TopicNotification }[] = [];
    const unreadable: string[] = [];
    if (!fs.existsSync(directory)) {
        return { notifications, unreadable };
    }
    for (const file of fs.readdirSync(directory).filter((f) => NOTIFICATION_FILE.test(f)).sort()) {
        try {
            const parsed = JSON.parse(fs.readFileSync(path.join(directory, file), "utf8")) as TopicNotification;
            if (parsed.Type !== "Notification" || typeof parsed.Message !== "string") {
                throw new Error("not an SNS notification");
            }
            notifications.push({ file, notification: parsed });
        } catch {
            unreadable.push(file);
        }
    }
    return { notifications, unreadable };
}
