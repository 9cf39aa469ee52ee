/**
 * The importer: an uploaded document (md, txt, docx, pdf) in, a PlanDraft out. Reading is the only I/O-shaped
 * step (decoding, unzipping, PDF text); parsing is pure.
 */
import type { PlanDraft } from '../domain/plan-draft.ts';
import { ImportError } from './errors.ts';
import { parsePlan } from './parse/index.ts';
import { readDocument, type SourceText } from './read/index.ts';

export { ImportError, isImportError, type ImportErrorCode } from './errors.ts';
export { parsePlan, titleOf } from './parse/index.ts';
export { readMarker } from './parse/markers.ts';

/** 20 MB: a long plan with its annexes is under 5 MB as docx or PDF. */
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export interface ImportOptions {
  maxBytes?: number;
}

export interface ImportResult {
  source: SourceText;
  draft: PlanDraft;
}

/** Reads and parses a plan document; throws {@link ImportError} when the input is not a readable plan. */
export async function importDocument(
  bytes: Uint8Array,
  fileName: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const source = await readDocument(bytes, fileName, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES });
  return { source, draft: parseSourceText(source.text) };
}

/** Parses text already read; throws `not-a-plan` when no numbered task is found. */
export function parseSourceText(text: string): PlanDraft {
  const draft = parsePlan(text);
  if (draft.tasks.length === 0) {
    throw new ImportError('not-a-plan', '未找到编号的任务，这不像一份实施方案（no numbered tasks found: not a plan?）');
  }
  return draft;
}
