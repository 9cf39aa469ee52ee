/**
 * The benchmark's HTTP client, in a worker thread: the server under test keeps the main thread (and its event loop)
 * to itself, as it would facing clients on other machines, and the client's own work — building requests, reading
 * and parsing answers — runs on the other core. Each request is timed in the worker, from sending it to having read
 * its whole body.
 */
import { Worker } from 'node:worker_threads';

export interface BenchRequest {
  /** A path under the server's base URL: `/api/tasks?limit=50`. */
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface BenchRun {
  /** Milliseconds per request, in the order given. */
  samples: number[];
  /** Wall-clock seconds for the whole run. */
  seconds: number;
}

// Plain JavaScript (the worker needs no TypeScript loader): runs the requests with `concurrency` in flight and
// answers once, with the timings or the first failure.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
parentPort.on('message', async ({ id, requests, concurrency }) => {
  const samples = new Array(requests.length);
  let next = 0;
  let failure = null;
  const started = performance.now();
  async function lane() {
    while (next < requests.length && failure === null) {
      const index = next++;
      const request = requests[index];
      const sent = performance.now();
      try {
        const response = await fetch(workerData.base + request.path, {
          method: request.method ?? 'GET',
          headers: request.headers,
          body: request.body,
        });
        const text = await response.text();
        samples[index] = performance.now() - sent;
        if (response.status !== 200) {
          failure = (request.method ?? 'GET') + ' ' + request.path + ' → ' + response.status + ' ' + text.slice(0, 500);
        }
      } catch (error) {
        failure = String(error);
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  parentPort.postMessage({ id, failure, samples, seconds: (performance.now() - started) / 1000 });
});
`;

interface Reply {
  id: number;
  failure: string | null;
  samples: number[];
  seconds: number;
}

export class BenchClient {
  private readonly worker: Worker;
  private nextId = 0;

  constructor(base: string) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { base } });
  }

  /** Sends the requests, `concurrency` at a time; rejects with the first request that did not answer 200. */
  run(requests: readonly BenchRequest[], concurrency = 1): Promise<BenchRun> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        this.worker.off('message', onMessage);
        this.worker.off('error', reject);
        if (reply.failure !== null) reject(new Error(reply.failure));
        else resolve({ samples: reply.samples, seconds: reply.seconds });
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
      this.worker.postMessage({ id, requests, concurrency });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
