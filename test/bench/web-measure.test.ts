import { describe, expect, it } from 'vitest';
import { platform } from 'node:os';
import { Peak } from '../../bench/web/measure.ts';

describe('bench/web peak memory', () => {
  it.runIf(platform() === 'linux')(
    'reads the kernel high-water mark (reset at the start) and counts a buffer filled since',
    () => {
      const p = new Peak();
      expect(p.kernel).toBe(true);
      const start = p.rss;
      // filled synchronously: no 20 ms sample can run while it is held
      let big: Buffer | undefined = Buffer.alloc(200 * 2 ** 20, 1);
      expect(big[big.length - 1]).toBe(1);
      big = undefined;
      p.stop();
      expect(p.rss - start).toBeGreaterThan(150 * 2 ** 20);
    },
  );
});
