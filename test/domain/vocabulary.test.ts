import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPeriodKey } from '../../src/domain/periods.ts';
import {
  idempotencyKeySchema,
  idSchema,
  PERIOD_KEY_PATTERN,
  periodKeySchema,
  REPORT_STATES,
  reportStateSchema,
} from '../../src/domain/vocabulary.ts';

describe('the vocabulary', () => {
  it('accepts exactly the period keys the period rules accept', () => {
    const keys = fc.oneof(
      fc.stringMatching(/^\d{3,5}(-[MQHmqh]\d{1,2})?$/),
      fc.constantFrom('2021', '2021-M07', '2021-M12', '2021-M13', '2021-M00', '2021-Q4', '2021-Q5', '2021-H2', '0999'),
      fc.string({ maxLength: 10 }),
    );
    fc.assert(
      fc.property(keys, (key) => {
        expect(PERIOD_KEY_PATTERN.test(key)).toBe(isPeriodKey(key));
        expect(periodKeySchema.safeParse(key).success).toBe(isPeriodKey(key));
      }),
    );
  });

  it('refuses a blank or over-long id and trims one with spaces', () => {
    expect(idSchema.safeParse('').success).toBe(false);
    expect(idSchema.safeParse('x'.repeat(65)).success).toBe(false);
    expect(idSchema.parse(' tsk_01JD3Q8V6Z3M9K2X7W4R5T8Y1N ')).toBe('tsk_01JD3Q8V6Z3M9K2X7W4R5T8Y1N');
  });

  it('takes idempotency keys of 8–200 visible ASCII characters only', () => {
    expect(idempotencyKeySchema.safeParse('8b0c5e0e-6d3b-4a0e-9f0a-1f2d3c4b5a69').success).toBe(true);
    expect(idempotencyKeySchema.safeParse('short').success).toBe(false);
    expect(idempotencyKeySchema.safeParse('has a space').success).toBe(false);
    expect(idempotencyKeySchema.safeParse('报送-2021-M07').success).toBe(false);
    expect(idempotencyKeySchema.safeParse('k'.repeat(201)).success).toBe(false);
  });

  it('names every report state the API answers', () => {
    expect(REPORT_STATES.map((state) => reportStateSchema.parse(state))).toEqual([...REPORT_STATES]);
    expect(reportStateSchema.safeParse('awaiting-approval').success).toBe(false);
  });
});
