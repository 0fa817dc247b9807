/**
 * GET /alerts/channels (admins): where notifications go. Channels of every
 * type (added, edited, tested, switched on and off), the destination policy,
 * and the delivery log's newest page; the islands change things through
 * the REST API. Settings → Notifications links here.
 */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { requireAdmin } from "../../hub/http/session.ts";
import { channelView, notificationSettings } from "../../hub/usecases/channels.ts";
import { declarations } from "../../hub/notify/channels.ts";
import { notificationView } from "../../lib/alerts/notification_view.ts";
import { channelDeps } from "../api/v1/alerts/index.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import ChannelList from "../../islands/ChannelList.tsx";
import DeliveryLog from "../../islands/DeliveryLog.tsx";
import DestinationPolicy from "../../islands/DestinationPolicy.tsx";

/** The delivery log's page on this screen. */
const LOG_PAGE = 25;

export function channelsPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c); // even masked, where notifications go is an admin's business
    const d = channelDeps(deps);
    const [list, rules, log, settings] = await Promise.all([
      deps.store.notifications.channels(),
      deps.store.alerts.rules(),
      deps.store.notifications.recent({ limit: LOG_PAGE }),
      notificationSettings(deps.store),
    ]);
    const channels = await Promise.all(list.map((ch) => channelView(d, ch)));
    const named = (xs: Array<{ id: string; name: string }>) =>
      xs.map(({ id, name }) => ({ id, name }));
    return page(
      c,
      "Channels",
      <>
        <AlertsNav current="channels" />
        <h1>Notification channels</h1>
        <p class="muted">
          A rule notifies every enabled channel unless it names some. Addresses and tokens are
          secrets: only their last characters are shown.
        </p>
        <Island
          name="ChannelList"
          component={ChannelList}
          props={{ channels, kinds: declarations(), rules: named(rules) }}
        />
        <section class="card">
          <h2>Destinations</h2>
          <Island
            name="DestinationPolicy"
            component={DestinationPolicy}
            props={{ block: settings.block_private_destinations }}
          />
        </section>
        <section class="card" aria-labelledby="delivery-log">
          <h2 id="delivery-log">Delivery log</h2>
          <Island
            name="DeliveryLog"
            component={DeliveryLog}
            props={{
              entries: log.map(notificationView),
              channels: named(list),
              pageSize: LOG_PAGE,
            }}
          />
        </section>
      </>,
      { active: "alerts" },
    );
  };
}
