/**
 * A little disk space kept aside for the ledger's last words. While a writable ledger is open, a
 * `<state file>-reserve` file of {@linkcode RESERVE_BYTES} sits next to it; when the disk fills up
 * mid-run, byot deletes it, and the space it frees lets SQLite checkpoint its WAL and record that
 * the run was interrupted (and flush the outcomes it still holds) instead of leaving it "running".
 *
 * @module
 */

/** Size of the reserve: room for a WAL checkpoint's growth and a last group commit. */
export const RESERVE_BYTES = 2 * 1024 * 1024;

/** The reserve file of one open ledger. */
export class DiskReserve {
  /** Path of the reserve file. */
  readonly path: string;
  #owned = false;

  /**
   * Creates the reserve next to `statePath` unless one is there (another process holds it); a
   * disk too full for it leaves none, and the ledger works without.
   */
  constructor(statePath: string) {
    this.path = `${statePath}-reserve`;
    let file: Deno.FsFile | undefined;
    try {
      file = Deno.openSync(this.path, { createNew: true, write: true, mode: 0o600 });
      this.#owned = true;
      // written, not truncated to size: a sparse file would free nothing
      const chunk = new Uint8Array(64 * 1024);
      for (let done = 0; done < RESERVE_BYTES;) done += file.writeSync(chunk);
    } catch {
      if (this.#owned) this.release();
    } finally {
      file?.close();
    }
  }

  /** Deletes the reserve file; true when there was one to free. */
  release(): boolean {
    try {
      Deno.removeSync(this.path);
      return true;
    } catch {
      return false;
    } finally {
      this.#owned = false;
    }
  }

  /** Deletes the reserve when this ledger made it (on close). */
  close(): void {
    if (this.#owned) this.release();
  }
}
