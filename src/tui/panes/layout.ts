/**
 * Where everything goes on a screen of a given size. A large screen (110x32 and up) always shows
 * the event detail (left, under the events) and the processes (right, top), and Tab cycles what
 * the other right pane shows; a compact one shows one pane beside the events, and Tab cycles all.
 */

export const PANES = ['detail', 'procs', 'cpu', 'memory', 'servers', 'console', 'branches'] as const;
export type PaneName = (typeof PANES)[number];
const LARGE_CYCLE: readonly PaneName[] = ['cpu', 'memory', 'servers', 'console', 'branches'];

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly large: boolean;
  /** Rows between the timeline and the status line. */
  readonly mainRows: number;
  readonly leftWidth: number;
  readonly rightWidth: number;
  /** Rows of the event list (its title not counted). */
  readonly eventRows: number;
  /** The panes Tab cycles through. */
  readonly cycle: readonly PaneName[];
  /** Help rows a page holds. */
  readonly helpPerPage: number;
  /** Live, the console takes the full width above the events: its rows (with its title). */
  readonly liveConsoleRows: number;
}

export function layoutFor(columns: number, rows: number): Layout {
  const width = Math.max(40, columns);
  const height = Math.max(12, rows - 1); // the last row stays free so the terminal does not scroll
  const large = width >= 110 && height >= 32;
  const mainRows = height - 2 /* header */ - 2 /* timeline */ - 1; /* status */
  const leftWidth = Math.floor(width * 0.5);
  return {
    width,
    height,
    large,
    mainRows,
    leftWidth,
    rightWidth: width - leftWidth - 1,
    eventRows: large ? Math.max(4, Math.floor(mainRows * 0.55) - 1) : mainRows - 1,
    cycle: large ? LARGE_CYCLE : PANES,
    // The overlay's title and legend take two rows of the main area.
    helpPerPage: Math.max(1, height - 5 - 2),
    liveConsoleRows: Math.max(4, Math.floor(mainRows * 0.6)),
  };
}

/** The pane Tab chose, or the first of the cycle when the screen's cycle lacks it (after a resize). */
export function shownPane(layout: Layout, chosen: PaneName): PaneName {
  return layout.cycle.includes(chosen) ? chosen : (layout.cycle[0] ?? 'detail');
}

export function helpPages(layout: Layout, rows: number): number {
  return Math.max(1, Math.ceil(rows / layout.helpPerPage));
}
