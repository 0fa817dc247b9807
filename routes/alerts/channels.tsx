/** GET /alerts/channels (admins): where notifications go; add a webhook, delete. */
import type { Context } from "hono";
import type { AppDeps, AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { requireAdmin } from "../../hub/http/session.ts";
import { channelView } from "../../hub/usecases/channels.ts";
import { channelDeps } from "../api/v1/alerts/index.ts";
import { Island } from "../../components/Island.tsx";
import { AlertsNav } from "../../components/AlertsNav.tsx";
import ChannelList from "../../islands/ChannelList.tsx";

export function channelsPage(deps: AppDeps) {
  return async (c: Context<AppEnv>) => {
    requireAdmin(c); // even masked, where notifications go is an admin's business
    const d = channelDeps(deps);
    const list = await deps.store.notifications.channels();
    const channels = await Promise.all(list.map((ch) => channelView(d, ch)));
    return page(
      c,
      "Channels",
      <>
        <AlertsNav current="channels" />
        <h1>Notification channels</h1>
        <p class="muted">
          A rule notifies every enabled channel unless it names some. Addresses are secrets: only
          their last characters are shown.
        </p>
        <Island name="ChannelList" component={ChannelList} props={{ channels }} />
      </>,
      { active: "alerts" },
    );
  };
}
