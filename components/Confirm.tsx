/** A question asked before something that cannot be undone (remove a host, revoke a key). */
import type { ComponentChildren } from "preact";

/** The question, what it does, the button that does it and the way back. */
export function Confirm(
  { title, children, action, confirm, cancel }: {
    title: string;
    children: ComponentChildren;
    /** Where the form posts to do it. */
    action: string;
    /** The button's label, saying what happens. */
    confirm: string;
    /** Where "Cancel" leads. */
    cancel: string;
  },
) {
  return (
    <section class="card narrow">
      <h1>{title}</h1>
      {children}
      <form method="post" action={action} class="actions">
        <button type="submit" class="danger">{confirm}</button>
        <a class="button" href={cancel}>Cancel</a>
      </form>
    </section>
  );
}
