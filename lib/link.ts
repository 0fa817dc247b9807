/** Constants both ends of the agent ↔ hub link agree on. */

/** The DNS name in every hub server certificate; agents verify the hub against it. */
export const HUB_TLS_NAME = "sightline-hub";

/** The agent's version, sent in Register and Hello. */
export const AGENT_VERSION = "0.1.0";
