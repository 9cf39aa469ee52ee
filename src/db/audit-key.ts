/**
 * The audit key (AUDIT_KEY) travels with the database handle: a Kysely plugin that changes no query and no result,
 * and only carries the key. Every transaction begun on a keyed handle keeps its plugins, so the audit writer
 * (src/services/audit.ts), handed a transaction by any of the services that record events, finds the key there
 * without each of them passing it on; a handle opened without the key writes unanchored heads.
 *
 * The key is a KeyObject: it is never printed, serialised or stored, and only HMACs are computed with it.
 *
 * @example
 * const db = withAuditKey(handle.db, config.auditKey);
 * await db.transaction().execute(async (trx) => auditKeyOf(trx)); // config.auditKey
 */
import type { KeyObject } from 'node:crypto';
import type {
  Kysely,
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

class AuditKeyCarrier implements KyselyPlugin {
  constructor(readonly key: KeyObject) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}

/** The handle with `key` attached (the last key attached wins); the handle itself when `key` is null. */
export function withAuditKey<DB>(db: Kysely<DB>, key: KeyObject | null): Kysely<DB> {
  return key === null ? db : db.withPlugin(new AuditKeyCarrier(key));
}

/** The audit key attached to a handle or transaction, or null. */
export function auditKeyOf(db: { getExecutor(): { readonly plugins: readonly KyselyPlugin[] } }): KeyObject | null {
  const carriers = db.getExecutor().plugins.filter((plugin) => plugin instanceof AuditKeyCarrier);
  return carriers.at(-1)?.key ?? null;
}
