// Runs the importer in a worker thread so that the fuzz test can stop an input that hangs.
import { parentPort } from 'node:worker_threads';
import type { PlanDraft } from '../../src/domain/plan-draft.ts';
import { importDocument, isImportError } from '../../src/importer/index.ts';
import { loadPdfJs } from '../../src/importer/read/pdf.ts';

export type FuzzRequest = { id: number; bytes: Uint8Array; name: string };
export type FuzzReply =
  | { id: number; ok: true; text: string; draft: PlanDraft }
  | { id: number; ok: false; importError: boolean; code: string | null; message: string };

parentPort?.on('message', async ({ id, bytes, name }: FuzzRequest) => {
  let reply: FuzzReply;
  try {
    const { source, draft } = await importDocument(bytes, name, { maxBytes: 1024 * 1024 });
    reply = { id, ok: true, text: source.text, draft };
  } catch (error) {
    reply = {
      id,
      ok: false,
      importError: isImportError(error),
      code: isImportError(error) ? error.code : null,
      message: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error),
    };
  }
  parentPort?.postMessage(reply);
});

// pdf.js is loaded before the first input, as the reader thread does: on a busy machine its first load alone can
// take longer than the hang limit, which is there for inputs that hang, not for start-up.
await loadPdfJs();
parentPort?.postMessage({ ready: true });
