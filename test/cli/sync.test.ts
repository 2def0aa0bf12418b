/**
 * `otp2p sync` and the persisted web across processes' lifetimes: after a sync, a second command
 * (`otp2p route`) asks the relays only for what changed (every REQ filter carries `since`);
 * a relay that does not answer makes `sync` exit 1 with the gap in `incomplete`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { buildCatalogEvent } from '../../src/events/catalog.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { deriveIdentity } from '../../src/keys/identity.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { EventVerifier } from '../../src/events/verify.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'sync test password, long enough';
const env = { OTP2P_PASSWORD: PW };
const relays: EmbeddedRelay[] = [];
afterEach(async () => {
  for (const r of relays.splice(0)) await r.close();
});

describe('otp2p sync', () => {
  it('after a sync, a second command (route) sends only since-bounded REQs', async () => {
    const filters: { since?: number; kinds?: number[] }[] = [];
    const relay = await startEmbeddedRelay({
      onFrame: (f) => {
        const m = JSON.parse(f) as unknown[];
        if (m[0] === 'REQ') filters.push(...(m.slice(2) as { since?: number }[]));
      },
    });
    relays.push(relay);
    const payeeSk = new Uint8Array(randomBytes(32));
    const payee = getPublicKey(payeeSk);
    const pool = new RelayPool({ relays: [relay.url], verifier: new EventVerifier(), fetchLimits: false });
    const catalog = signEvent(
      buildCatalogEvent(
        { notaries: [{ id: 'n1' }], units: [{ id: 'eur', notary: 'n1', tla: 'EUR', factor: 100n }], preference: [] },
        Math.floor(Date.now() / 1000) - 5,
      ),
      payeeSk,
    );
    expect((await pool.publish(catalog))[0]?.ok).toBe(true);
    // The payer follows the payee: the payee is part of the web the sync keeps.
    const mnemonic = generateMnemonic();
    const payer = deriveIdentity(mnemonic);
    const list = signEvent(buildFollowsEvent([{ pubkey: payee }], Math.floor(Date.now() / 1000) - 5), payer.secretKey);
    expect((await pool.publish(list))[0]?.ok).toBe(true);
    await pool.close();
    const home = join(tmpDir(), 'h');
    const init = await runCli(['init', '--mnemonic-stdin', '--json', '--home', home], { env, stdin: `${mnemonic}\n` });
    expect(init.code).toBe(0);
    const cold = await runCli(['sync', '--relay', relay.url, '--json', '--home', home], { env });
    expect(cold.code).toBe(0);
    expect(cold.json[0]).toMatchObject({ web: 1, catalogs: 1, incomplete: [], budget_exhausted: false });
    expect(filters.some((f) => f.since === undefined)).toBe(true);
    filters.length = 0;
    const args = ['route', '--to', payee, '--amount', '10', '--relay', relay.url, '--json', '--home', home];
    await runCli(args, { env });
    expect(filters.length).toBeGreaterThan(0);
    expect(filters.filter((f) => f.since === undefined)).toEqual([]);
  });

  it('exits 1 and lists the relay in incomplete when a relay cannot be reached', async () => {
    const home = join(tmpDir(), 'h');
    expect((await runCli(['init', '--json', '--home', home], { env })).code).toBe(0);
    const r = await runCli(['sync', '--relay', 'ws://127.0.0.1:1', '--json', '--home', home], { env });
    expect(r.code).toBe(1);
    expect(r.json[0]).toMatchObject({ incomplete: [{ relay: 'ws://127.0.0.1:1', reason: 'unreachable' }] });
  });
});
