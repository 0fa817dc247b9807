// Sightline's theme: system, light or dark, chosen per browser. Loaded in
// <head> before the stylesheet applies, so a dark page never flashes light.
// The chosen theme is kept in localStorage; "system" follows the OS live.
(() => {
  const KEY = "sightline.theme";
  const media = matchMedia("(prefers-color-scheme: dark)");
  const chosen = () => {
    try {
      return localStorage.getItem(KEY) || "system";
    } catch {
      return "system";
    }
  };
  const apply = () => {
    const theme = chosen();
    const dark = theme === "dark" || (theme === "system" && media.matches);
    document.documentElement.dataset.theme = dark ? "dark" : "light";
  };
  apply();
  media.addEventListener("change", apply);
  addEventListener("DOMContentLoaded", () => {
    const select = document.querySelector("select[name=theme]");
    if (!select) return;
    select.value = chosen();
    select.disabled = false;
    select.addEventListener("change", () => {
      try {
        localStorage.setItem(KEY, select.value);
      } catch {
        // Storage refused (private mode): the choice lasts for this page.
      }
      apply();
    });
  });
})();
