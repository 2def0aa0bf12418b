/** Label text helpers for the graphs (no DOM: tested under Node). */

/** Break `line` at spaces into lines of at most `max` characters (a longer word gets its own line). */
export function wrap(line: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const word of line.split(/ +/)) {
    if (cur && cur.length + 1 + word.length > max) {
      out.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  out.push(cur);
  return out;
}
