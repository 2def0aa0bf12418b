/**
 * `route` and `pay` read the payee's catalog through one check in the library
 * (`peer.routes.payee`): a unit the payee does not accept is said so (`no-route`), not mistaken
 * for an amount of unknown scale; the amount's scale comes from the payee's catalog.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveIdentity } from '../../src/keys/index.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'correct horse battery staple';
const ALICE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BOB = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

function errorOf(r: { json: unknown[] }): { code: string; message: string } | undefined {
  return (
    r.json.find((j) => (j as { error?: unknown }).error !== undefined) as { error: { code: string; message: string } }
  )?.error;
}

describe('route/pay: the payee check', () => {
  let relay: EmbeddedRelay;
  const dir = tmpDir();
  const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob') };
  const alice = deriveIdentity(ALICE);
  const cli = (who: 'alice' | 'bob', args: string[]) =>
    runCli([...args, '--home', homes[who], '--relay', relay.url], { env: { OTP2P_PASSWORD: PW } });

  beforeAll(async () => {
    relay = await startEmbeddedRelay();
    for (const [who, m] of [
      ['alice', ALICE],
      ['bob', BOB],
    ] as const) {
      const r = await runCli(['init', '--mnemonic-stdin', '--password-stdin', '--home', homes[who]], {
        stdin: `${m}\n${PW}\n`,
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const pub = await cli('alice', ['catalog', 'publish', '--unit', 'usd@n1:USD:100', '--force', '--json']);
    expect(pub.code, pub.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await relay.close();
  });

  it('a unit the payee does not accept is no-route naming it, for route and pay alike', async () => {
    for (const cmd of ['route', 'pay']) {
      const r = await cli('bob', [cmd, '--to', alice.npub, '--amount', '10.00', '--unit', 'EUR', '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(errorOf(r)).toMatchObject({ code: 'no-route' });
      expect(errorOf(r)?.message).toContain('does not accept "EUR"');
    }
  });

  it("the amount is read in the scale of the payee's catalog", async () => {
    const r = await cli('bob', ['route', '--to', alice.npub, '--amount', '10.001', '--unit', 'USD', '--json']);
    expect(r.code).toBe(2);
    expect(errorOf(r)).toMatchObject({ code: 'bad-amount' });
  });
});
