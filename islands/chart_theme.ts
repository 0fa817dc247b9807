/**
 * The charts' colours, read from the theme's CSS custom properties
 * (static/app.css, `--chart-*`), and a watch for the theme changing. uPlot
 * draws on a canvas, which does not follow CSS, so a chart is drawn again
 * with the new colours when it does. The theme is `data-theme` on <html>:
 * static/theme.js sets it from the user's choice and, on "system", from the
 * system's preference as that changes, so watching the attribute is enough.
 */

/** What a chart is drawn with; series colours are #rrggbb (bands add an alpha to them). */
export interface ChartTheme {
  axis: string;
  grid: string;
  /** Dots' inside: the card's background. */
  panel: string;
  series: string[];
}

const SERIES_VARS = 8;

/** The colours the page's theme gives charts right now. */
export function readTheme(root: Element = document.documentElement): ChartTheme {
  const css = getComputedStyle(root);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    axis: v("--chart-axis"),
    grid: v("--chart-grid"),
    panel: v("--panel"),
    series: Array.from({ length: SERIES_VARS }, (_, i) => v(`--chart-${i + 1}`)),
  };
}

/** `#rrggbb` with an alpha (0–1) as `#rrggbbaa`; other colours unchanged. */
export function withAlpha(color: string, alpha: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) return color;
  return color + Math.round(alpha * 255).toString(16).padStart(2, "0");
}

/** Calls `onChange` whenever the theme changes; returns a function that stops. */
export function watchTheme(onChange: () => void): () => void {
  const attrs = new MutationObserver(onChange);
  attrs.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => attrs.disconnect();
}
