// Shared by the plan import tests: the example plan and a way to catch a service's error.
import { readFileSync } from 'node:fs';
import type { ServiceError } from '../../src/services/errors.ts';

export const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
export const EXAMPLE = readFileSync(new URL(`../../examples/${EXAMPLE_NAME}`, import.meta.url));

/** The error a promise rejects with, for asserting its code and message. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}
