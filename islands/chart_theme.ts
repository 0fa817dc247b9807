/**
 * The charts' colours, read from the theme's CSS custom properties
 * (static/app.css, `--chart-*`), and a watch for the theme changing: the
 * system's light/dark preference, or a `data-theme` set on <html>. uPlot
 * draws on a canvas, which does not follow CSS, so a chart is drawn again
 * with the new colours when either changes.
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

/** Calls `onChange` whenever the theme may have changed; returns a function that stops. */
export function watchTheme(onChange: () => void): () => void {
  const media = matchMedia("(prefers-color-scheme: dark)");
  media.addEventListener("change", onChange);
  const attrs = new MutationObserver(onChange);
  attrs.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  return () => {
    media.removeEventListener("change", onChange);
    attrs.disconnect();
  };
}
