/** GET /settings/operator-key (admins): this browser's operator key for actions (issue 20). */
import type { Context } from "hono";
import type { AppEnv } from "../../hub/http/deps.ts";
import { page } from "../../hub/http/render.tsx";
import { requireAdmin } from "../../hub/http/session.ts";
import { Island } from "../../components/Island.tsx";
import OperatorKey from "../../islands/OperatorKey.tsx";

export function operatorKeyPage() {
  return (c: Context<AppEnv>) => {
    requireAdmin(c);
    return page(
      c,
      "Operator key",
      <>
        <h1>Operator key</h1>
        <section class="card">
          <p>
            A host runs an action only with a grant signed by an operator key it pinned, one grant
            per action, valid for at most 60 seconds. The key is made and kept in this browser; the
            hub never holds it, so whoever copies the hub's database and secret still cannot act on
            a host. Each admin's browser can have its own key; a host may pin several.
          </p>
          <Island name="OperatorKey" component={OperatorKey} props={{}} />
        </section>
      </>,
      { active: "settings" },
    );
  };
}
