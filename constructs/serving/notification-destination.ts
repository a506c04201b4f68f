import { NotificationDestination as DestinationResource } from "@cdktf/provider-databricks/lib/notification-destination";
import { Construct } from "constructs";

/** Properties of a {@link NotificationDestination}: exactly one of `emails` and `webhookUrl`. */
export interface NotificationDestinationProps {
  readonly displayName: string;
  /** Addresses an email destination sends to. @default not an email destination */
  readonly emails?: readonly string[];
  /**
   * URL a generic webhook destination POSTs to. It must carry no credential (no user, password or query
   * string): the plan and state hold it in clear.
   * @default not a webhook destination
   */
  readonly webhookUrl?: string;
}

/**
 * A workspace notification destination (`databricks_notification_destination`) alerts send to: an email list or
 * a generic webhook.
 */
export class NotificationDestination extends Construct {
  /** The `databricks_notification_destination` resource. */
  public readonly resource: DestinationResource;

  constructor(scope: Construct, id: string, props: NotificationDestinationProps) {
    super(scope, id);
    const isEmail = props.emails !== undefined;
    if (isEmail === (props.webhookUrl !== undefined)) {
      throw new Error(
        `notification destination '${props.displayName}' needs exactly one of emails and webhookUrl`,
      );
    }
    if (isEmail && (props.emails ?? []).length === 0) {
      throw new Error(`notification destination '${props.displayName}' has no email address`);
    }
    if (
      props.webhookUrl !== undefined &&
      (/^https:\/\/[^/]*@/.test(props.webhookUrl) || props.webhookUrl.includes("?"))
    ) {
      throw new Error(
        `webhook URL of '${props.displayName}' carries a credential (user, password or query string); the plan would hold it in clear`,
      );
    }
    this.resource = new DestinationResource(this, "Resource", {
      displayName: props.displayName,
      config: isEmail
        ? { email: { addresses: [...(props.emails ?? [])] } }
        : { genericWebhook: { url: props.webhookUrl } },
    });
  }

  /** The destination id alerts subscribe with. */
  public get destinationId(): string {
    return this.resource.id;
  }
}
