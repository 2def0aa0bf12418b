import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { SimulatedNotary, verifySimulatedMintSignature } from '../../src/otapi/notary.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { buildAttestationEvent } from '../../src/events/attestation.ts';
import { getPublicKey, signEvent } from '../../src/events/sign.ts';
import { parseMintFile } from '../../src/otapi/files.ts';
import { mintFingerprint } from '../../src/mint/fingerprint.ts';
import { checkEvidence } from '../../src/mint/evidence.ts';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { queryEvents } from '../../src/mint/collect.ts';

const SAMPLE = sharedPath('fixtures', 'ot', 'opentxs-sample-data', 'ot-sample-data');

describe('otp2p mint scan / fingerprint', () => {
  it.skipIf(!HAS_SHARED)(`scans the real 0.94 folder ${HAS_SHARED ? '' : SHARED_MISSING}`, async () => {
    const r = await runCli(['mint', 'scan', '--ot-data', SAMPLE, '--json', '--home', tmpDir()]);
    expect(r.code).toBe(0);
    const out = r.json[0] as {
      layout: string;
      mints: Array<{ tla: string; origin: string; fingerprint: string }>;
      errors: unknown[];
    };
    expect(out.layout).toBe('v094');
    expect(out.errors).toEqual([]);
    expect(out.mints.map((m) => `${m.origin}:${m.tla}`).sort()).toEqual([
      'client:USD',
      'server:BTC',
      'server:GRAM',
      'server:USD',
    ]);
    const usd = out.mints.filter((m) => m.tla === 'USD').map((m) => m.fingerprint);
    expect(usd[0]).toBe(usd[1]);
    const table = await runCli(['mint', 'scan', '--ot-data', SAMPLE, '--home', tmpDir()]);
    expect(table.stdout).toContain('2015-01-29T12:01:58Z');
  });

  it.skipIf(!HAS_SHARED)(
    'fingerprints one real classic file with its verified signature, and gives exact codes for bad input',
    async () => {
      const file = sharedPath(
        'fixtures/ot/classic-2013/ot-sample-data/client_data/mints/r1fUoHwJOWCuK3WBAAySjmKYqsG6G2TYIxdqY6YNuuG/7f8nlUn795x8931JParRnmKAyw8cegRyBMcFg9FccaF',
      );
      const r = await runCli(['mint', 'fingerprint', file, '--json', '--home', tmpDir()]);
      expect(r.code).toBe(0);
      expect(r.json[0]).toMatchObject({
        series: '0',
        valid_from: 1_372_832_384,
        fingerprint: '283711ea4feb152e813a9a19149f58fd5f16329691de3e314e5d797d99de57d8',
        signature: { ok: true, signer: 'voeqDVAJwDwROywFtg5mEyYpcu2dcPJRLFHYh7tyhqk' },
      });
      const dir = tmpDir();
      writeFileSync(join(dir, 'bad'), '-----BEGIN OT ARMORED MINT-----\n\n!!!!\n-----END OT ARMORED MINT-----\n');
      const bad = await runCli(['mint', 'fingerprint', join(dir, 'bad'), '--json', '--home', dir]);
      // an unreadable file is an input error, not a security failure (exit 3 is for bad signatures)
      expect(bad.code).toBe(2);
      expect(bad.stdout + bad.stderr).toContain('bad-base64');
      expect((await runCli(['mint', 'scan', '--home', dir])).code).toBe(2);
    },
  );
});

describe('otp2p mint check / evidence on the embedded relay', () => {
  it('reports equivocation (exit 3) with the attesters behind it, publishing nothing', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    const pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
    try {
      const clock = new ManualClock(Date.now() - 3600_000);
      const notary = SimulatedNotary.open({
        ledgerPath: ':memory:',
        seed: new Uint8Array(32).fill(4),
        clock,
        cheat: { kind: 'targeted', users: ['me'] },
      });
      const unit = notary.units[0]!.id;
      const ot = tmpDir();
      notary.writeClientFolder(ot, 'me', 'v094');
      const me = new Uint8Array(32).fill(11);
      const friends = [12, 13, 14].map((b) => new Uint8Array(32).fill(b));
      const now = Math.floor(Date.now() / 1000) - 60;
      await pool.publish(
        signEvent(
          buildFollowsEvent(
            friends.map((sk) => ({ pubkey: getPublicKey(sk) })),
            now,
          ),
          me,
        ),
      );
      const honest = notary.mintFor(unit, 'someone-else');
      for (const sk of friends) {
        const a = {
          notaryId: honest.notaryId,
          unitId: honest.unitId,
          series: honest.series,
          fingerprint: mintFingerprint(honest),
          validFrom: honest.validFrom,
          validTo: honest.validTo,
          expiration: honest.expiration,
        };
        await pool.publish(signEvent(buildAttestationEvent(a, now), sk));
      }
      const home = tmpDir();
      const r = await runCli([
        'mint',
        'check',
        '--ot-data',
        ot,
        '--pubkey',
        getPublicKey(me),
        '--relay',
        relay.url,
        '--json',
        '--home',
        home,
      ]);
      expect(r.code).toBe(3);
      const out = r.json[0] as {
        web: number;
        verdicts: Array<{ verdict: string; conflicts: Array<{ attesters: string[] }> }>;
      };
      expect(out.web).toBe(3);
      expect(out.verdicts[0]?.verdict).toBe('equivocation');
      expect(out.verdicts[0]?.conflicts[0]?.attesters.sort()).toEqual(friends.map((sk) => getPublicKey(sk)).sort());

      const mine = join(ot, 'client_data', 'mints', notary.id, unit);
      const ev = await runCli([
        'mint',
        'evidence',
        '--mint',
        mine,
        '--fingerprint',
        mintFingerprint(honest),
        '--dry-run',
        '--home',
        home,
      ]);
      expect(ev.code).toBe(0);
      const event = ev.json[0] as Parameters<typeof checkEvidence>[0];
      expect(event.pubkey).not.toBe(getPublicKey(me));
      const checked = checkEvidence(event, (m) => verifySimulatedMintSignature(m.signedText, notary.publicKeyHex));
      expect(checked.included).toEqual([mintFingerprint(parseMintFile(notary.mintFileFor(unit, 'me')))]);
      expect(checked.signed).toEqual(checked.included);
      notary.close();
    } finally {
      await pool.close();
      await relay.close();
    }
  });
});

describe('otp2p mint attest', () => {
  it('holds back a fingerprint fewer than k others attested, publishes it with --force, never a nym', async () => {
    const relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    const pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
    try {
      const notary = SimulatedNotary.open({
        ledgerPath: ':memory:',
        seed: new Uint8Array(32).fill(6),
        clock: new ManualClock(Date.now() - 3600_000),
      });
      const ot = tmpDir();
      notary.writeClientFolder(ot, 'me', 'v094');
      const home = tmpDir();
      const env = { OTP2P_PASSWORD: 'correct horse battery staple' };
      const id = createVault(join(home, 'vault.json'), generateMnemonic(), env.OTP2P_PASSWORD, { logN: 4 });
      const args = ['mint', 'attest', '--ot-data', ot, '--relay', relay.url, '--json', '--home', home];
      const held = await runCli(args, { env });
      expect(held.code).toBe(0);
      expect(held.json[0]).toEqual({ published: [], held: [`${notary.id}:${notary.units[0]!.id}:0`] });
      expect(await queryEvents(pool, [{ kinds: [31560], authors: [id.pubkey] }])).toEqual({
        events: [],
        incomplete: [],
      });
      const forced = await runCli([...args, '--force'], { env });
      expect(forced.code).toBe(0);
      const { events } = await queryEvents(pool, [{ kinds: [31560], authors: [id.pubkey] }]);
      expect(events).toHaveLength(1);
      expect(JSON.stringify(events[0])).not.toMatch(/nym|account/i);
      notary.close();
    } finally {
      await pool.close();
      await relay.close();
    }
  });
});
