/**
 * The benchmark's HTTP client, in a process of its own: the server under test keeps its process to itself, as it
 * would facing clients on other machines — the client's work (building requests, reading answers) runs beside it,
 * and the server process's CPU time counts the server's work only. Each request is timed in the client, from
 * sending it to having read its whole body.
 */
import { spawn, type ChildProcess } from 'node:child_process';

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

// Plain JavaScript (the client needs no TypeScript loader): runs the requests with `concurrency` in flight and
// answers once, with the timings or the first failure.
const CLIENT_SOURCE = `
const base = process.argv[1];
process.on('message', async ({ id, requests, concurrency }) => {
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
        const response = await fetch(base + request.path, {
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
  process.send({ id, failure, samples, seconds: (performance.now() - started) / 1000 });
});
process.on('disconnect', () => process.exit(0));
`;

interface Reply {
  id: number;
  failure: string | null;
  samples: number[];
  seconds: number;
}

export class BenchClient {
  private readonly child: ChildProcess;
  private nextId = 0;

  constructor(base: string) {
    this.child = spawn(process.execPath, ['-e', CLIENT_SOURCE, base], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  /** Sends the requests, `concurrency` at a time; rejects with the first request that did not answer 200. */
  run(requests: readonly BenchRequest[], concurrency = 1): Promise<BenchRun> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the benchmark client exited (${code})`));
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (reply.failure !== null) reject(new Error(reply.failure));
        else resolve({ samples: reply.samples, seconds: reply.seconds });
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ id, requests, concurrency });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    await exited;
  }
}
