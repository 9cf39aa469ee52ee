// Shared by the plan import tests: the example plan, a plan with unit groups, and a way to catch a service's error.
import { readFileSync } from 'node:fs';
import type { ServiceError } from '../../src/services/errors.ts';

export const EXAMPLE_NAME = 'jinshan-hongqiao-2021.md';
export const EXAMPLE = readFileSync(new URL(`../../examples/${EXAMPLE_NAME}`, import.meta.url));

/** A small plan whose tasks name unit groups (各有关单位, 各区、县级市, 各街道、镇) beside named units. */
export const GROUP_PLAN_NAME = 'groups.md';
export const GROUP_PLAN = Buffer.from(
  [
    '# 某市推进试点工作实施方案',
    '',
    '一、重点任务',
    '',
    '（一）建设一号工程，到2025年建成10个示范点。（区发改委牵头，各有关单位配合）',
    '',
    '（二）推进二号工程。（各区、县级市负责）',
    '',
    '（三）完善三号机制。（区财政局牵头，区发改委、各街道、镇配合）',
    '',
  ].join('\n'),
  'utf8',
);

/** The error a promise rejects with, for asserting its code and message. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}
