/**
 * The Snowflake source's planner: builds every vault's query (so a mode that cannot serve a column
 * fails before logging in), opens one session, and serves each vault's rows through a source that
 * keeps its query id in the ledger, so a resume reads the same result.
 *
 * @module
 */
import type { VaultSource } from "../../common/types.ts";
import type { LoadPlan, PlannedSource, PlanOptions, PlanSettings, SourceStateHooks } from "../planner.ts";
import { openSnowflake, parseSnowflakeState, snowflakeQueryText, snowflakeStateOf } from "./mod.ts";

/** Plans a Snowflake load: every vault's SQL first, then one session; read state kept in the ledger. */
export async function planSnowflake(
  settings: PlanSettings,
  batchSettings: Record<string, unknown>,
  options: PlanOptions,
): Promise<LoadPlan> {
  const range = { startRecord: settings.startRecord, maxRecords: settings.maxRecords, shard: settings.shard };
  // Builds every vault's SQL first: a mode that cannot serve a column fails before logging in.
  const queries = Object.fromEntries(
    settings.vaults.map((v) => [v.name, snowflakeQueryText(settings.snowflake, v, range)]),
  );
  const sf = settings.snowflake;
  batchSettings.snowflake = { account: sf.account, accessUrl: sf.accessUrl, queries };
  const session = await openSnowflake(sf, { logDir: options.logDir });
  const vaults = settings.vaults.map((spec): PlannedSource => {
    let hooks: SourceStateHooks | undefined;
    let inner: VaultSource | undefined;
    const source: VaultSource = {
      label: `${session.label}: ${spec.name}`,
      read(readOptions) {
        inner = session.source(spec, {
          ...range,
          resume: parseSnowflakeState(hooks?.state),
          onQuery: (info) => {
            hooks?.save(snowflakeStateOf(info));
            hooks?.total(info.total);
            if (info.path !== "query") {
              const why = info.fallbackReason ? ` (RESULT_SCAN unavailable: ${info.fallbackReason})` : "";
              hooks?.note(
                info.path === "result_scan"
                  ? `Snowflake ${spec.name}: resuming from RESULT_SCAN of the run's query ${info.queryId}`
                  : `Snowflake ${spec.name}: resuming by re-running the ordered query${why}`,
              );
            }
          },
        });
        return inner.read(readOptions);
      },
      close: async () => await inner?.close?.(),
    };
    return { spec, source, files: [], attach: (h) => void (hooks = h) };
  });
  return {
    vaults,
    fingerprint: { kind: "snowflake", account: sf.account, database: sf.database, queries },
    batchSettings,
    close: () => session.close(),
    async explain() {
      const out = new Map<string, string | undefined>();
      for (const spec of settings.vaults) {
        try {
          await session.explain(spec, range);
          out.set(spec.name, undefined);
        } catch (error) {
          out.set(spec.name, error instanceof Error ? error.message : String(error));
        }
      }
      return out;
    },
  };
}
