/**
 * Agent stream nonces: remembered in the store as well as in memory, so a
 * captured handshake cannot be replayed after an ingest restart or against
 * another hub of the cluster. Apart from hosts: they belong to the stream's
 * authentication, not to any host, and expire on their own.
 */
export interface NonceStore {
  /**
   * Records a stream nonce until `expiresAt`; false when it was already used
   * (a replayed handshake). Forgets expired nonces as it goes.
   */
  remember(nonce: string, expiresAt: number, now: number): Promise<boolean>;
}
