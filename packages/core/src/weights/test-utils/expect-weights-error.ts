import { expect } from 'vitest';
import { WeightsError } from '../errors.js';

/** Runs `fn`, asserts it throws a WeightsError, and returns it so a test can check its code and message. */
export function weightsError(fn: () => unknown): WeightsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return e as WeightsError;
  }
  throw new Error('expected a WeightsError');
}

/** Awaits `p`, asserts it rejects with a WeightsError, and returns it (the async twin of weightsError). */
export async function weightsRejection(p: Promise<unknown>): Promise<WeightsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return e as WeightsError;
  }
  throw new Error('expected a WeightsError');
}
