// Geometry of the slot heatmap, apart from the drawing so that hit-testing is unit-tested:
// a label column, then SLOTS_PER_EPOCH square cells per row, rows newest epoch first.
import { SLOTS_PER_EPOCH } from '../common/dashboard/heatmap';

export const HEATMAP = {
  /** Width of the epoch label column (CSS px). */
  label: 84,
  cell: 14,
  gap: 2,
  /** Rows visible without scrolling. */
  visibleRows: 16,
} as const;

export const PITCH = HEATMAP.cell + HEATMAP.gap;
export const HEATMAP_WIDTH = HEATMAP.label + SLOTS_PER_EPOCH * PITCH;

/** The cell under a point (CSS px inside the scrolled content), or null for labels and gaps. */
export function cellAt(x: number, y: number, rows: number): { row: number; col: number } | null {
  if (x < HEATMAP.label || y < 0) return null;
  const col = Math.floor((x - HEATMAP.label) / PITCH);
  const row = Math.floor(y / PITCH);
  if (col >= SLOTS_PER_EPOCH || row >= rows) return null;
  // Inside the gap after a cell: no cell.
  if ((x - HEATMAP.label) % PITCH >= HEATMAP.cell || y % PITCH >= HEATMAP.cell) return null;
  return { row, col };
}

/** Top-left corner of a cell in content coordinates. */
export function cellOrigin(row: number, col: number): { x: number; y: number } {
  return { x: HEATMAP.label + col * PITCH, y: row * PITCH };
}

/** Rows [first, last) that intersect a viewport scrolled to scrollTop. */
export function visibleRows(scrollTop: number, height: number, rows: number): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / PITCH));
  return { first, last: Math.min(rows, Math.ceil((scrollTop + height) / PITCH)) };
}
