/**
 * Aligned columns, as the original printed them with Go's
 * `tabwriter.NewWriter(os.Stdout, 1, 2, 2, ' ', 0)`: every cell except the
 * last one of its row is padded to the widest cell of its column plus two
 * spaces; the last cell of a row is printed as is and does not widen its
 * column. Trailing spaces are trimmed (tabwriter left them in).
 */

export type TableCell = string | number | boolean | null | undefined;
export type TableRow = readonly TableCell[];

const PADDING = 2;

export function cellText(cell: TableCell): string {
  return cell === null || cell === undefined ? '' : String(cell);
}

/** Width in terminal columns (code points; no East Asian width rules). */
export function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The table as text, one line per row, each ending with `\n`. */
export function formatTable(rows: readonly TableRow[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, textWidth(cellText(row[i])));
  }
  let out = '';
  for (const row of rows) {
    let line = '';
    row.forEach((cell, i) => {
      const text = cellText(cell);
      line += i < row.length - 1 ? text + ' '.repeat((widths[i] ?? 0) - textWidth(text) + PADDING) : text;
    });
    out += line.replace(/\s+$/, '') + '\n';
  }
  return out;
}
