/**
 * Matrix: the client-server API's room message, `PUT
 * <homeserver>/_matrix/client/v3/rooms/<room id>/send/m.room.message/<txnId>`
 * with `Authorization: Bearer <access token>` (the secret) and the body
 * `{msgtype: "m.text", body, format: "org.matrix.custom.html",
 * formatted_body}`
 * (https://spec.matrix.org/latest/client-server-api/#put_matrixclientv3roomsroomidsendeventtypetxnid,
 * https://spec.matrix.org/latest/client-server-api/#mroommessage). The HTML
 * part escapes everything it carries. The transaction id comes from the
 * notification's id (with its rule and when its first alert started, so
 * two installations sharing a bot's token do not collide), the same on
 * every try: the homeserver treats a repeat as the same event, so a retry
 * after a lost answer posts nothing twice. A test (id 0) gets a fresh one. The homeserver answers `{"event_id": …}`;
 * a 429 says `retry_after_ms` in its body (and newer ones Retry-After).
 */
import { createHash } from "node:crypto";
import type { ChannelKind, SendRequest } from "../channels.ts";
import { escapeHtml, jsonField, seconds, sendJson, under } from "./common.ts";

/** A room's ID: `!opaque:server` (room versions before 12) or `!opaque`. */
const ROOM = /^![^\s:/]+(:[A-Za-z0-9.\-[\]]+(:\d+)?)?$/;

/** The transaction id of notification `id`: the same on every try of it. */
export function txnId(r: Pick<SendRequest, "id" | "message">): string {
  if (r.id === 0) return `sightline-test-${crypto.randomUUID()}`;
  const started = r.message.alerts.map((a) => a.started_at).sort()[0] ?? "";
  const of = createHash("sha256").update(`${r.message.rule.id}|${r.message.kind}|${started}`);
  return `sightline-${r.id}-${of.digest("hex").slice(0, 12)}`;
}

export const MATRIX: ChannelKind = {
  title: "Matrix",
  fields: {
    homeserver: {
      label: "Homeserver",
      kind: "url",
      required: true,
      help: "The bot account's homeserver: https://matrix.example.org",
    },
    room_id: {
      label: "Room ID",
      kind: "text",
      required: true,
      help: "Room settings → Advanced → Internal room ID: !abc…:example.org",
    },
    token: {
      label: "Access token",
      kind: "text",
      secret: true,
      required: true,
      help: "The bot account's access token (the bot must have joined the room)",
    },
  },
  check(c) {
    const room = String(c.room_id);
    if (!ROOM.test(room)) {
      return {
        field: "config.room_id",
        problem: room.startsWith("#")
          ? "Give the room's ID (!…), not its alias: Room settings → Advanced"
          : "Room ID must look like !abc…:example.org",
      };
    }
    return null;
  },
  send(r) {
    const room = encodeURIComponent(String(r.config.room_id));
    const path = `/_matrix/client/v3/rooms/${room}/send/m.room.message/${txnId(r)}`;
    const html = escapeHtml(r.text).replaceAll("\n", "<br>");
    return sendJson(r, under(r.config.homeserver, path), {
      msgtype: "m.text",
      body: `${r.title}\n${r.text}`,
      format: "org.matrix.custom.html",
      formatted_body: `<strong>${escapeHtml(r.title)}</strong><br>${html}`,
    }, {
      method: "PUT",
      headers: { authorization: `Bearer ${r.config.token}` },
      waitInBody: (b) => seconds(jsonField(b, (j) => j.retry_after_ms), "ms"),
    });
  },
};
