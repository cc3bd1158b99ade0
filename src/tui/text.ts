/** Number and column formatting shared by the panes and the status line. */

/** A count with thousands separators, as every pane shows icounts and seqs. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/** `s` cut or padded to exactly `w` columns. */
export const fit = (s: string, w: number): string => (s.length > w ? s.slice(0, Math.max(0, w)) : s.padEnd(w));
