// Colours come from the editor's theme (CSS variables VS Code sets on the webview), so the
// charts read well in light, dark and high-contrast themes. Canvas drawing cannot use CSS
// variables directly: they are resolved here, and re-resolved when the theme changes.
import { MISSED_BLOCK_SEVERITIES } from '../core/model';

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/**
 * The colour without its alpha. Some themes leave a chart colour at a translucent default
 * (charts.orange is one): on a chart that reads as a muddy blend, so bars and cells are opaque.
 */
export function opaque(c: string): string {
  const hex = /^#([0-9a-f]{6})[0-9a-f]{2}$/i.exec(c) ?? /^#([0-9a-f]{3})[0-9a-f]$/i.exec(c);
  if (hex) return `#${hex[1]}`;
  const rgba = /^rgba\(\s*([^,]+),\s*([^,]+),\s*([^,]+),[^)]*\)$/i.exec(c);
  return rgba ? `rgb(${rgba[1]}, ${rgba[2]}, ${rgba[3]})` : c;
}

export interface Palette {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  /** High contrast: cells and bars get an outline. */
  border: string | null;
  severity: string[];
  /** By cell state (heatmap.ts CELL order): none, recovered, delayed, reorg, missed. */
  cells: string[];
  accent: string;
}

export function palette(): Palette {
  const red = opaque(cssVar('--vscode-charts-red', '#f14c4c'));
  const orange = opaque(cssVar('--vscode-charts-orange', '#d18616'));
  const yellow = opaque(cssVar('--vscode-charts-yellow', '#cca700'));
  const blue = opaque(cssVar('--vscode-charts-blue', '#3794ff'));
  const green = opaque(cssVar('--vscode-charts-green', '#89d185'));
  const purple = opaque(cssVar('--vscode-charts-purple', '#b180d7'));
  const hc = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const severity = [blue, yellow, orange, red];
  if (severity.length !== MISSED_BLOCK_SEVERITIES.length) throw new Error('one colour per severity');
  return {
    foreground: cssVar('--vscode-editor-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    background: cssVar('--vscode-editor-background', '#1e1e1e'),
    border: hc ? cssVar('--vscode-contrastBorder', '#ffffff') : null,
    severity,
    // "No record": the scrollbar grey, translucent and visible on light and dark backgrounds.
    cells: [cssVar('--vscode-scrollbarSlider-background', 'rgba(128,128,128,0.4)'), green, yellow, purple, red],
    accent: cssVar('--vscode-focusBorder', blue),
  };
}

/** Call `cb` when the editor's theme changes (VS Code swaps the body class and the variables). */
export function onThemeChange(cb: () => void): void {
  let last = document.body.className + document.documentElement.getAttribute('style');
  const check = () => {
    const now = document.body.className + document.documentElement.getAttribute('style');
    if (now !== last) {
      last = now;
      cb();
    }
  };
  new MutationObserver(check).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  new MutationObserver(check).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
