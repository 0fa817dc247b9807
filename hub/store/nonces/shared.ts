/** Stream nonces on either dialect: the SQL agrees. */
import { count, type Db } from "../sql.ts";
import type { NonceStore } from "./types.ts";

/** {@link NonceStore} on one database. */
export class SqlNonceStore implements NonceStore {
  constructor(private readonly db: Db) {}

  remember(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    // Two statements that need no transaction: holding the expired rows'
    // locks to the end would make streams starting together wait on each other.
    return this.db.run(function* () {
      yield* count("DELETE FROM stream_nonces WHERE expires_at < :now", { now });
      const added = yield* count(
        `INSERT INTO stream_nonces (nonce, expires_at) VALUES (:nonce, :expires)
        ON CONFLICT DO NOTHING`,
        { nonce, expires: expiresAt },
      );
      return added > 0;
    }());
  }
}
