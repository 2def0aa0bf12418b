/**
 * A NIP-46 remote signer as the CLI's identity: NDK's `NDKNip46Backend` (an implementation nobody
 * here wrote) holds the user's key on an embedded relay over 127.0.0.1; otp2p pairs with it by a
 * bunker:// URI or a nostrconnect:// URI, then signs through it. The user's key and the bunker's
 * secret never reach the data folder.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { verifyEvent } from 'nostr-tools/pure';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../src/core/bytes.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { getPublicKey } from '../../src/events/sign.ts';
import { nsecEncode, npubEncode } from '../../src/keys/nip19.ts';
import { queryEvents } from '../../src/mint/collect.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { startEmbeddedRelay } from '../../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../../src/relays/embedded.ts';
import { RelayPool } from '../../src/relays/pool.ts';
import { NIP46_PERMISSIONS } from '../../src/signers/nip46.ts';
import { startBunker } from '../helpers/bunker.ts';
import type { TestBunker } from '../helpers/bunker.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const USER_SK = hexToBytes('6a'.repeat(32));
const USER_PK = getPublicKey(USER_SK);
const SECRET = 'one-time-bunker-secret-7c1e';
const PW = 'vault password for the bunker test';
const env = { OTP2P_PASSWORD: PW };

/** Every file of the data folder, as text. */
function folderText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

describe('a NIP-46 remote signer (NDK backend) as the CLI identity', () => {
  let relay: EmbeddedRelay;
  let remote: TestBunker;
  let pool: RelayPool;
  const connected: string[] = [];
  const asked: string[] = [];
  let refuse = false;

  beforeAll(async () => {
    relay = await startEmbeddedRelay({ host: '127.0.0.1' });
    remote = await startBunker({
      relayUrl: relay.url,
      secretKey: USER_SK,
      secret: SECRET,
      onConnect: (pk) => connected.push(pk),
      permit: (p) => {
        asked.push(p.method);
        return !(refuse && p.method === 'sign_event');
      },
    });
    pool = new RelayPool({ relays: [relay.url], fetchLimits: false });
  });

  afterAll(async () => {
    await pool?.close();
    remote?.stop();
    await relay?.close();
  });

  const uri = (secret = true): string => remote.uri(secret);

  it('refuses a bunker URI with a secret on the command line, without echoing the secret', async () => {
    const home = tmpDir();
    const r = await runCli(['init', '--bunker', uri(), '--json', '--home', home], { env });
    expect(r.code).toBe(2);
    expect(r.json[0]).toMatchObject({ error: { code: 'usage' } });
    expect(r.stderr).toContain('--bunker-stdin');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    const bad = await runCli(['init', '--bunker', 'bunker://nope?relay=ws://127.0.0.1:1', '--json', '--home', home], {
      env,
    });
    expect(bad.code).toBe(2);
    expect(bad.json[0]).toMatchObject({ error: { code: 'bad-bunker-uri' } });
  });

  it('pairs through --bunker-stdin, then whoami, offer --sign and mint attest are signed by the bunker; no secret at rest', async () => {
    const home = join(tmpDir(), 'home');
    const init = await runCli(['init', '--bunker-stdin', '--password-stdin', '--json', '--home', home], {
      stdin: `${uri()}\n${PW}\n`,
    });
    expect(init.code).toBe(0);
    const out = init.json[0] as { npub: string; identity: unknown; mnemonic: string };
    expect(out).toMatchObject({
      npub: npubEncode(USER_PK),
      pubkey: USER_PK,
      identity: { kind: 'bunker', signer: USER_PK, relays: [relay.url] },
    });
    expect(out.mnemonic.split(' ')).toHaveLength(24); // the Bitcoin wallet's own seed
    expect(connected).toHaveLength(1); // one session key, introduced with the secret
    expect(init.stdout + init.stderr).not.toContain(SECRET);

    const who = await runCli(['whoami', '--json', '--home', home], { env });
    expect(who.code).toBe(0);
    expect(who.json[0]).toMatchObject({ npub: npubEncode(USER_PK), identity: { kind: 'bunker', signer: USER_PK } });
    const whoText = await runCli(['whoami', '--home', home], { env });
    expect(whoText.stdout).toMatch(/^identity: +bunker \(NIP-46 remote signer npub1/m);
    expect(whoText.stdout).toContain(relay.url);

    // offer --sign: the event comes back signed by the user's key, verified by nostr-tools.
    const offerArgs = [
      'offer',
      'add',
      '--id',
      'o1',
      '--in',
      `${'aa'.repeat(16)}@${'bb'.repeat(16)}`,
      '--out',
      `${'cc'.repeat(16)}@${'dd'.repeat(16)}`,
      '--rate',
      '1/1',
      '--max',
      '100',
      '--liquidity',
      '1000',
      '--base-units',
      '--sign',
      '--json',
      '--home',
      home,
    ];
    const offer = await runCli(offerArgs, { env });
    expect(offer.stderr).toBe('');
    expect(offer.code).toBe(0);
    const signed = offer.json[0] as Parameters<typeof verifyEvent>[0];
    expect(signed.pubkey).toBe(USER_PK);
    expect(signed.kind).toBe(31562);
    expect(verifyEvent(structuredClone(signed))).toBe(true);

    // mint attest: the attestation on the relay is authored by the user's key.
    const notary = SimulatedNotary.open({
      ledgerPath: ':memory:',
      seed: new Uint8Array(32).fill(9),
      clock: new ManualClock(Date.now() - 3600_000),
    });
    try {
      const ot = tmpDir();
      notary.writeClientFolder(ot, 'me', 'v094');
      const attest = await runCli(
        ['mint', 'attest', '--force', '--ot-data', ot, '--relay', relay.url, '--json', '--home', home],
        { env },
      );
      expect(attest.code).toBe(0);
      const { events } = await queryEvents(pool, [{ kinds: [31560], authors: [USER_PK] }]);
      expect(events).toHaveLength(1);
      expect(verifyEvent(structuredClone(events[0]) as Parameters<typeof verifyEvent>[0])).toBe(true);
    } finally {
      notary.close();
    }

    // A refusal by the signer is a typed error, and nothing is printed as if signed.
    refuse = true;
    try {
      const refused = await runCli(offerArgs, { env });
      expect(refused.code).toBe(1);
      expect(refused.json[0]).toMatchObject({ error: { code: 'signer-refused' } });
    } finally {
      refuse = false;
    }

    // The key is not here: export refuses, saying where it is.
    for (const extra of [[], ['--nsec', '--yes']]) {
      const exp = await runCli(['key', 'export', ...extra, '--json', '--home', home], { env });
      expect(exp.code).toBe(2);
      expect(exp.json[0]).toMatchObject({ error: { code: 'not-exportable' } });
      expect(exp.stderr).toContain('remote signer');
    }

    const files = folderText(home);
    for (const s of [SECRET, bytesToHex(USER_SK), nsecEncode(USER_SK)]) expect(files).not.toContain(s);
    // Permissions asked at pairing: only what otp2p needs.
    expect(NIP46_PERMISSIONS.every((p) => p.startsWith('sign_event:') || p.startsWith('nip44_'))).toBe(true);
  });

  it('catalog publish and offer add --publish go out signed by the bunker', async () => {
    const home = join(tmpDir(), 'home');
    const init = await runCli(['init', '--bunker-stdin', '--password-stdin', '--json', '--home', home], {
      stdin: `${uri()}\n${PW}\n`,
    });
    expect(init.code).toBe(0);
    const cat = await runCli(
      [
        'catalog',
        'publish',
        '--notary',
        'bb'.repeat(16),
        '--unit',
        `${'aa'.repeat(16)}@${'bb'.repeat(16)}:USD`,
        // no wallet here holds that unit: the catalog is published anyway (what is under test is the signature)
        '--force',
        '--relay',
        relay.url,
        '--json',
        '--home',
        home,
      ],
      { env },
    );
    expect(cat.stderr).toBe('');
    expect(cat.code).toBe(0);
    const offer = await runCli(
      [
        'offer',
        'add',
        '--id',
        'o2',
        '--in',
        `${'aa'.repeat(16)}@${'bb'.repeat(16)}`,
        '--out',
        `${'cc'.repeat(16)}@${'dd'.repeat(16)}`,
        '--rate',
        '1/1',
        '--max',
        '100',
        '--liquidity',
        '1000',
        '--base-units',
        '--publish',
        '--relay',
        relay.url,
        '--json',
        '--home',
        home,
      ],
      { env },
    );
    expect(offer.stderr).toBe('');
    expect(offer.code).toBe(0);
    const { events } = await queryEvents(pool, [{ kinds: [11560, 31562], authors: [USER_PK] }]);
    expect(events.map((e) => e.kind).sort()).toEqual([11560, 31562]);
  });

  it('dm both ways with a bunker identity', async () => {
    const home = join(tmpDir(), 'home');
    expect(
      (
        await runCli(['init', '--bunker-stdin', '--password-stdin', '--json', '--home', home], {
          stdin: `${uri()}\n${PW}\n`,
        })
      ).code,
    ).toBe(0);
    const friend = join(tmpDir(), 'friend');
    const fi = await runCli(['init', '--json', '--home', friend], { env });
    const fnpub = (fi.json[0] as { npub: string }).npub;
    const s1 = await runCli(['dm', 'send', fnpub, 'hello', 'from', 'bunker', '--relay', relay.url, '--home', home], {
      env,
    });
    expect(s1.code, s1.stderr).toBe(0);
    const r1 = await runCli(['dm', 'read', '--json', '--relay', relay.url, '--home', friend], { env });
    expect(r1.stdout).toContain('hello from bunker');
    const s2 = await runCli(['dm', 'send', npubEncode(USER_PK), 'hi back', '--relay', relay.url, '--home', friend], {
      env,
    });
    expect(s2.code, s2.stderr).toBe(0);
    const r2 = await runCli(['dm', 'read', '--json', '--relay', relay.url, '--home', home], { env });
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toContain('hi back');
  });

  it('accepts a bunker URI without a secret on the command line', async () => {
    const home = tmpDir();
    const init = await runCli(['init', '--bunker', uri(false), '--json', '--home', home], { env });
    expect(init.code).toBe(0);
    expect(init.json[0]).toMatchObject({ pubkey: USER_PK, identity: { kind: 'bunker' } });
  });

  it('pairs through a nostrconnect:// URI (printed with a QR code) answered by the signer app', async () => {
    const home = tmpDir();
    let answered = false;
    const init = await runCli(
      ['init', '--nostrconnect', '--relay', relay.url, '--timeout', '30', '--json', '--home', home],
      {
        env,
        onStderr: (text) => {
          const m = /nostrconnect:\/\/\S+/.exec(text);
          if (m === null || answered) return;
          answered = true;
          // What a signer app does when the user scans the code: answer `connect` with the secret.
          const u = new URL(m[0]);
          expect(u.searchParams.get('perms')).toBe(NIP46_PERMISSIONS.join(','));
          void remote.backend.rpc.sendResponse('pair-1', u.hostname, u.searchParams.get('secret') ?? '');
        },
      },
    );
    expect(answered).toBe(true);
    expect(init.stderr).toMatch(/[▀▄█]/); // the QR code
    expect(init.code).toBe(0);
    expect(init.json[0]).toMatchObject({
      pubkey: USER_PK,
      identity: { kind: 'bunker', signer: USER_PK, relays: [relay.url] },
    });
    const who = await runCli(['whoami', '--json', '--home', home], { env });
    expect(who.json[0]).toMatchObject({ npub: npubEncode(USER_PK), identity: { kind: 'bunker' } });
  });

  it('nostrconnect pairing on a relay nobody can reach fails at once (relay-error), before showing a code', async () => {
    const home = tmpDir();
    const r = await runCli(
      ['init', '--nostrconnect', '--relay', 'ws://127.0.0.1:1', '--timeout', '600', '--json', '--home', home],
      { env },
    );
    expect(r.code).toBe(1);
    expect(r.json[0]).toMatchObject({ error: { code: 'relay-error' } });
    expect(r.stderr).not.toContain('nostrconnect://');
  });

  it('nostrconnect pairing nobody answers ends in signer-timeout, and no vault is written', async () => {
    const home = tmpDir();
    const r = await runCli(
      ['init', '--nostrconnect', '--relay', relay.url, '--timeout', '1', '--json', '--home', home],
      {
        env,
      },
    );
    expect(r.code).toBe(1);
    expect(r.json[0]).toMatchObject({ error: { code: 'signer-timeout' } });
    expect((await runCli(['whoami', '--json', '--home', home], { env })).json[0]).toMatchObject({
      error: { code: 'no-identity' },
    });
  });
});
