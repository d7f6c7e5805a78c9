/** Who said it, when by ComPilot's clock, and where it is in the log: the evidence of a fact. */
export interface Evidence {
  readonly at: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly position: string;
  readonly svixId: string | null;
  /** Hash of the event's bytes: equal for two deliveries of the same fact. */
  readonly content: string;
}
