/**
 * Internal: the write statements of the sink and the failure functions, in one place.
 *
 * @module
 */

/** Upsert of a batch as in flight (a resumed batch keeps its attempts). */
export const STARTED_SQL =
  `INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count,
    skipped_count, skipped_json, cursor_json, status, started_at, checksum)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_flight', ?, ?)
  ON CONFLICT (run_id, vault, seq) DO UPDATE SET status = 'in_flight', started_at = excluded.started_at,
    first_position = excluded.first_position, end_position = excluded.end_position,
    record_count = excluded.record_count, skipped_count = excluded.skipped_count,
    skipped_json = excluded.skipped_json, cursor_json = excluded.cursor_json, checksum = excluded.checksum`;

/** Upsert of a batch's final state; attempts add up across resumes. */
export const FINISHED_SQL =
  `INSERT INTO batches (run_id, vault, seq, first_position, end_position, record_count,
    skipped_count, skipped_json, cursor_json, status, attempts, last_status, request_id, loaded, failed,
    started_at, finished_at, checksum, already_present, unverified, unsettled)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, vault, seq) DO UPDATE SET status = excluded.status,
    attempts = batches.attempts + excluded.attempts, last_status = excluded.last_status,
    request_id = excluded.request_id, loaded = excluded.loaded, failed = excluded.failed,
    finished_at = excluded.finished_at, first_position = excluded.first_position,
    end_position = excluded.end_position, record_count = excluded.record_count,
    skipped_count = excluded.skipped_count, skipped_json = excluded.skipped_json,
    cursor_json = excluded.cursor_json, checksum = excluded.checksum,
    already_present = excluded.already_present, unverified = batches.unverified + excluded.unverified,
    unsettled = excluded.unsettled`;

/** Upsert of one failed record: a repeat keeps `first_seen` and adds its attempts. */
export const FAILURE_UPSERT_SQL = `INSERT INTO failed_records (run_id, vault, position, batch_seq, value,
    token, status_code, message, request_id, retryable, attempts, first_seen, last_seen, verdict)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (run_id, vault, position) DO UPDATE SET value = excluded.value, token = excluded.token,
    verdict = excluded.verdict,
    status_code = excluded.status_code, message = excluded.message, request_id = excluded.request_id,
    retryable = excluded.retryable, attempts = failed_records.attempts + excluded.attempts,
    last_seen = excluded.last_seen, resolved_at = NULL, purged_at = NULL`;

/** Marks one stored failure resolved. */
export const RESOLVE_SQL: string = "UPDATE failed_records SET resolved_at = ? " +
  "WHERE run_id = ? AND vault = ? AND position = ? AND resolved_at IS NULL";

/** Raises a vault's send reservation (never lowers it). */
export const RESERVE_SQL =
  `INSERT INTO run_vaults (run_id, vault, vault_id, table_name, column_name, reserved_seq)
  VALUES (?, ?, '', '', '', ?)
  ON CONFLICT (run_id, vault) DO UPDATE SET reserved_seq = max(reserved_seq, excluded.reserved_seq)`;
