/**
 * `catalog publish` advertises only what the wallet can receive (issue 20, item 9): a unit without
 * an account at its notary is refused with `cannot-receive` (publish anyway with --force), and
 * without a source on the command line the configured OT wallet is published.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const env = { OTP2P_PASSWORD: 'correct horse battery staple' };

describe('catalog publish checks what it advertises', () => {
  it('refuses a unit without an account, publishes the configured wallet', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    try {
      const home = join(tmpDir(), 'h');
      const run = (argv: string[]) => runCli([...argv, '--home', home, '--json'], { env });
      expect((await run(['init'])).code).toBe(0);
      const n1 = join(tmpDir(), 'n1');
      const init = await runCli(['notary', 'init', n1, '--unit', 'USD', '--unit', 'EUR', '--json']);
      const notary = (init.json[0] as { id: string }).id;
      const units = (init.json[0] as { units: Array<{ id: string; tla: string }> }).units;
      const eur = units.find((u) => u.tla === 'EUR')!.id;
      const usd = units.find((u) => u.tla === 'USD')!.id;
      expect((await runCli(['notary', 'account', n1, '--owner', 'alice', '--unit', 'USD', '--fund', '100'])).code).toBe(
        0,
      );
      for (const [k, v] of [
        ['relays', JSON.stringify([relay.url])],
        ['simulatedNotaries', JSON.stringify([n1])],
        ['otUser', 'alice'],
      ] as const)
        expect((await run(['config', 'set', k, v])).code).toBe(0);

      const flags = ['catalog', 'publish', '--notary', notary, '--unit', `${eur}@${notary}:EUR:100`];
      const refused = await run(flags);
      expect(refused.code).toBe(2);
      expect(refused.json[0]).toMatchObject({ error: { code: 'cannot-receive' } });
      expect((refused.json[0] as { error: { message: string } }).error.message).toContain('EUR');
      expect((await run(['outbox'])).json[0]).toMatchObject({ items: [] });

      const mine = await run(['catalog', 'publish']);
      expect(mine.code, mine.stderr).toBe(0);
      expect((mine.json[0] as { catalog: { units: Array<{ id: string }> } }).catalog.units.map((u) => u.id)).toEqual([
        usd,
      ]);
      expect((await run([...flags, '--force'])).code).toBe(0);
    } finally {
      await relay.close();
    }
  }, 60_000);
});
