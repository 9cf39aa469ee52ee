/**
 * The reader thread's own code: it takes jobs from {@link DocumentReader} one at a time, runs them and answers.
 * It is started by document-reader.ts (through tsx while the sources are TypeScript) and never imported
 * elsewhere. Whatever a document does to this thread (fills its heap, spins pdf.js) stays here: the calling
 * thread terminates it and answers the request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isImportError } from '../errors.ts';
import { importDocument } from '../index.ts';
import { loadPdfJs } from '../read/pdf.ts';
import type { JobMessage, JobOf, ReaderJobKind, ReaderResults, ThreadData, ThreadMessage } from './jobs.ts';

const handlers: { readonly [K in ReaderJobKind]: (job: JobOf<K>) => Promise<ReaderResults[K]> } = {
  'import-document': (job) => importDocument(job.bytes, job.fileName, { maxBytes: job.maxBytes }),
};

const port = parentPort;
if (port === null) throw new Error('reader-thread.ts runs only as a worker thread (see document-reader.ts)');

function send(message: ThreadMessage): void {
  port?.postMessage(message);
}

port.on('message', async ({ id, job }: JobMessage) => {
  try {
    send({ kind: 'done', id, value: await handlers[job.kind](job) });
  } catch (error) {
    send({
      kind: 'failed',
      id,
      importError: isImportError(error) ? { code: error.code, message: error.message } : null,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});

// pdf.js is the largest module the thread needs; a long-lived reader loads it before the first job, so that a
// job's time budget is spent on the document, not on starting up.
if ((workerData as ThreadData).preloadPdf) await loadPdfJs();
send({ kind: 'ready' });
