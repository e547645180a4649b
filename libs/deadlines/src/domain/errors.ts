export type DeadlineInputErrorCode = 'INVALID_TIME_ZONE' | 'INVALID_DATE' | 'INVALID_VALUE' | 'NO_RULE_SET';

// Thrown for any input the engine cannot compute from; `field` is a path into the input (e.g. "events[2].occurredAt").
export class DeadlineInputError extends Error {
  override readonly name = 'DeadlineInputError';

  constructor(
    readonly code: DeadlineInputErrorCode,
    readonly field: string,
    message: string,
    readonly eventId?: string,
  ) {
    super(`${field}: ${message}`);
  }
}
