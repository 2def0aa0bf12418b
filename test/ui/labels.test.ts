import { describe, expect, it } from 'vitest';
import { wrap } from '../../ui/src/labels.ts';

describe('dashboard graph labels', () => {
  it('wrap breaks at spaces into lines of at most max characters, so the box drawn for them holds them', () => {
    const line = 'USD@Notary One → EUR@Notary One ×92/100 · cut 0.2% · fee 0.10';
    const lines = wrap(line, 34);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(34);
    expect(lines.join(' ')).toBe(line);
    expect(wrap('short', 34)).toEqual(['short']);
    // A word longer than the line stands alone rather than being cut.
    expect(wrap('a verylongwordthatdoesnotfit b', 10)).toEqual(['a', 'verylongwordthatdoesnotfit', 'b']);
  });
});
