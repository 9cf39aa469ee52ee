// tsx bench/audit-verify.bench.ts [N…] — verifying audit chains of N events (default 100 000 and 1 000 000) in a
// SQLite file: events per second, and the heap in use at its peak while the walk runs (it reads pages, so that
// stays flat whatever N; run with node --expose-gc --import tsx to start each walk from a collected heap). The events are written in bulk, chained as the audit writer chains them, through the append-only
// trigger. Prints a table; fails on nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type Db } from '../src/db/database.ts';
import { newId } from '../src/db/ids.ts';
import type { NewAuditEvent } from '../src/db/schema.ts';
import { GENESIS_HASH, hashEvent } from '../src/domain/audit-chain.ts';
import { auditEventId } from '../src/services/audit.ts';
import { verifyWorkspaceChain } from '../src/services/audit-verify.service.ts';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);

async function writeChain(db: Db, workspaceId: string, count: number): Promise<void> {
  let previous: string | null = null;
  const start = Date.UTC(2021, 6, 1);
  for (let from = 1; from <= count; from += 10_000) {
    const rows: NewAuditEvent[] = [];
    for (let seq = from; seq < Math.min(from + 10_000, count + 1); seq++) {
      const fields = {
        workspace_id: workspaceId,
        seq,
        at: new Date(start + seq * 60_000).toISOString(),
        actor_id: `usr_${seq % 40}`,
        actor_roles: '["unit-reporter"]',
        action: seq % 3 === 0 ? 'report.accept' : 'report.submit',
        subject_type: 'report',
        subject_id: `rpt_${seq}`,
        detail: JSON.stringify({ period: '2021-Q3', percentDone: seq % 100, 说明: '按计划推进' }),
        ip: '10.0.0.1',
        outcome: 'success' as const,
        prev_hash: previous,
      };
      const hash = hashEvent(previous ?? GENESIS_HASH, fields);
      rows.push({ ...fields, id: auditEventId(seq), hash });
      previous = hash;
    }
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += 500) {
        await trx
          .insertInto('audit_events')
          .values(rows.slice(i, i + 500))
          .execute();
      }
    });
  }
  const now = new Date().toISOString();
  await db
    .insertInto('audit_heads')
    .values({
      id: 'head',
      workspace_id: workspaceId,
      created_at: now,
      updated_at: now,
      seq: count,
      hash: previous ?? '',
    })
    .execute();
}

const table: string[][] = [['events', 'write s', 'verify s', 'events/s', 'peak heap MB', 'ok']];
for (const count of sizes.length > 0 ? sizes : [100_000, 1_000_000]) {
  const dir = mkdtempSync(join(tmpdir(), 'luoshi-bench-audit-'));
  const handle = await openDatabase({ database: { dialect: 'sqlite', filename: join(dir, 'luoshi.db') } });
  try {
    await migrateToLatest(handle.db);
    const workspaceId = newId('workspace');
    const now = new Date().toISOString();
    await handle.db
      .insertInto('workspaces')
      .values({ id: workspaceId, name: '基准', time_zone: 'Asia/Shanghai', created_at: now, updated_at: now })
      .execute();
    const written = performance.now();
    await writeChain(handle.db, workspaceId, count);
    const writeSeconds = (performance.now() - written) / 1000;

    globalThis.gc?.();
    // Sampled between pages (the walk awaits each query): the heap in use while the walk runs.
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => {
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }, 5);
    const started = performance.now();
    const result = await verifyWorkspaceChain(handle.db, workspaceId);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    table.push([
      count.toLocaleString('en-US'),
      writeSeconds.toFixed(1),
      seconds.toFixed(1),
      Math.round(count / seconds).toLocaleString('en-US'),
      (peakHeap / 1024 / 1024).toFixed(0),
      String(result.ok && result.events === count),
    ]);
  } finally {
    await handle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? [];
for (const row of table) console.log(row.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
