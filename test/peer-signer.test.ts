/**
 * A Peer whose identity lives in a NIP-46 remote signer: NDK's `NDKNip46Backend` (an
 * implementation nobody here wrote) holds Alice's key; otp2p talks to it over the embedded relay
 * on 127.0.0.1, with real sockets, SQLite files and simulated OT notary ledgers. Alice publishes,
 * chats both ways with local-key peers, attests her mints and pays Dave through Bob's offer,
 * without her secret key ever reaching her data folder.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/core/bytes.ts';
import { unixSeconds } from '../src/core/clock.ts';
import { OtP2pError } from '../src/core/errors.ts';
import { Kind } from '../src/events/kinds.ts';
import { getPublicKey } from '../src/events/sign.ts';
import type { Signer } from '../src/events/signer.ts';
import { verifySignature } from '../src/events/verify.ts';
import { deriveIdentity } from '../src/keys/identity.ts';
import { generateMnemonic } from '../src/keys/mnemonic.ts';
import { nsecEncode } from '../src/keys/nip19.ts';
import type { ChatMessage } from '../src/messaging/nip17.ts';
import type { SimulatedNotary } from '../src/otapi/notary.ts';
import type { simulatedNotaryLookup } from '../src/payments/adapters/otapi.ts';
import { createPeer } from '../src/peer.ts';
import type { Peer } from '../src/peer.ts';
import { startEmbeddedRelay } from '../src/relays/embedded.ts';
import type { EmbeddedRelay } from '../src/relays/embedded.ts';
import { RelayPool } from '../src/relays/pool.ts';
import { LocalSigner } from '../src/signers/local.ts';
import { Nip46Signer, parseBunkerUri } from '../src/signers/nip46.ts';
import { startBunker } from './helpers/bunker.ts';
import type { TestBunker } from './helpers/bunker.ts';
import { tmpDir } from './helpers/tmp.ts';
import { openUsdEurNotary, usdEurOffer } from './helpers/usd-eur-notary.ts';
import type { UsdEurNotary } from './helpers/usd-eur-notary.ts';

const ALICE_SK = hexToBytes('6a'.repeat(32));
const ALICE = getPublicKey(ALICE_SK);

async function errorOf(p: Promise<unknown>): Promise<OtP2pError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OtP2pError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}

describe('a Peer over a NIP-46 remote signer (NDK backend on the embedded relay)', () => {
  const dir = tmpDir();
  let relay: EmbeddedRelay;
  let remote: TestBunker;
  let signerPool: RelayPool;
  let notary: SimulatedNotary;
  let lookup: ReturnType<typeof simulatedNotaryLookup>;
  let bunker: Nip46Signer;
  let alice: Peer;
  let bob: Peer;
  let dave: Peer;
  /** Methods the bunker refuses, and whether it stops answering at all (faults of a real signer). */
  let refuse = new Set<string>();
  let stall = false;
  let usd = '';
  let eur = '';

  const bunkerFor = (options: Partial<ConstructorParameters<typeof Nip46Signer>[0]> = {}): Nip46Signer =>
    new Nip46Signer({
      transport: signerPool,
      clientSecretKey: hexToBytes('3b'.repeat(32)),
      bunker: parseBunkerUri(`bunker://${ALICE}?relay=${encodeURIComponent(relay.url)}&secret=pairing-secret`),
      timeoutMs: 10_000,
      ...options,
    });

  beforeAll(async () => {
    relay = await startEmbeddedRelay({ dbPath: join(dir, 'relay.sqlite') });
    remote = await startBunker({
      relayUrl: relay.url,
      secretKey: ALICE_SK,
      secret: 'pairing-secret',
      permit: (p) => (stall ? new Promise<boolean>(() => {}) : !refuse.has(p.method)),
    });
    signerPool = new RelayPool({ relays: [relay.url] });

    let fund: UsdEurNotary['fund'];
    ({ notary, usd, eur, lookup, fund } = openUsdEurNotary(dir));
    fund('alice', usd, 100_000n);
    fund('bob', usd, 0n);
    fund('bob', eur, 50_000n);
    fund('dave', eur, 0n);

    bunker = bunkerFor();
    expect(await bunker.connect()).toBe(ALICE);
    const common = (name: string) => ({
      home: join(dir, name),
      relays: [relay.url],
      otApi: notary.clientFor(name),
      receiptLookup: lookup,
      config: { attestersK: 1, trustDepth: 2 },
    });
    alice = await createPeer({ ...common('alice'), signer: bunker });
    bob = await createPeer({ ...common('bob'), identity: deriveIdentity(generateMnemonic()) });
    dave = await createPeer({ ...common('dave'), identity: deriveIdentity(generateMnemonic()) });
    const all = [alice, bob, dave];
    for (const p of all) {
      await p.start();
      await p.announceRelays();
      await p.follow(all.filter((q) => q !== p).map((q) => q.pubkey));
    }
    // Alice's catalog is published by the first test, through the bunker.
    for (const p of [bob, dave]) await p.catalog.publish();
    await bob.offers.publish(usdEurOffer(usd, eur, notary.id));
    for (const p of all) await p.flush();
  }, 60_000);

  afterAll(async () => {
    for (const p of [alice, bob, dave]) await p?.stop();
    bunker?.close();
    await signerPool?.close();
    remote?.stop();
    lookup?.close();
    notary?.close();
    await relay?.close();
  });

  it('is the bunker user, and publishes its catalog and an offer signed by the remote signer', async () => {
    expect(alice.pubkey).toBe(ALICE);
    const catalog = await alice.catalog.publish();
    expect(catalog.pubkey).toBe(ALICE);
    expect(verifySignature(catalog.id, catalog.pubkey, catalog.sig)).toBe(true);
    const offer = await alice.offers.publish({
      id: 'usd-usd-alice',
      in: { unit: usd, notary: notary.id },
      out: { unit: usd, notary: notary.id },
      rateNum: 1n,
      rateDen: 1n,
      cutPpm: 0n,
      fee: 1n,
      min: 100n,
      max: 10_000n,
      liquidity: 1_000n,
      expiration: unixSeconds() + 86_400,
      status: 'open',
    });
    expect(offer).toMatchObject({ kind: Kind.Offer, pubkey: ALICE });
    await alice.flush();
    // Another peer reads both from the relay, verified.
    expect((await bob.catalog.fetch(ALICE))?.units.map((u) => u.id)).toEqual([usd]);
    await bob.sync();
    expect(bob.knownOffers().some((o) => o.pubkey === ALICE && o.id === 'usd-usd-alice')).toBe(true);
  });

  it('chats both ways with a local-key peer (seals signed, both layers decrypted by the bunker)', async () => {
    const toBob = new Promise<ChatMessage>((resolve) => bob.once('dm', resolve));
    await alice.dms.send(bob.pubkey, 'hello Bob, from a bunker');
    expect(await toBob).toMatchObject({ sender: ALICE, text: 'hello Bob, from a bunker' });
    const toAlice = new Promise<ChatMessage>((resolve) =>
      alice.on('dm', (m) => {
        if (m.sender === bob.pubkey) resolve(m);
      }),
    );
    await bob.dms.send(ALICE, 'hello Alice, from a local key');
    expect(await toAlice).toMatchObject({ sender: bob.pubkey, text: 'hello Alice, from a local key' });
  });

  it('attests the mints it was served, signed by the remote signer', async () => {
    const { published } = await alice.mint.attest(true);
    expect(published.length).toBeGreaterThan(0);
    for (const { event, results } of published) {
      expect(event).toMatchObject({ kind: Kind.MintAttestation, pubkey: ALICE });
      expect(verifySignature(event.id, event.pubkey, event.sig)).toBe(true);
      expect(results.some((r) => r.ok)).toBe(true);
    }
  });

  it('pays Dave through Bob (USD -> EUR), every payment message sealed by the bunker', async () => {
    const before = notary.clientFor('dave');
    const daveEur = (await before.listAccounts()).find((a) => a.unitId === eur);
    const { results } = await alice.payments.pay({ to: dave.pubkey, amount: 1_000n, unit: 'EUR', maxParts: 1 });
    expect(results.map((r) => r.state)).toEqual(['succeeded']);
    const after = (await notary.clientFor('dave').listAccounts()).find((a) => a.id === daveEur?.id);
    expect(after?.balance).toBe(1_000n);
    // Through the hop: Bob was paid in USD for the EUR he delivered.
    const bobUsd = (await notary.clientFor('bob').listAccounts()).find((a) => a.unitId === usd);
    expect(bobUsd?.balance).toBeGreaterThan(1_000n);
  }, 60_000);

  it("never writes the bunker's secret key into the data folder (hex, nsec or raw bytes)", async () => {
    await alice.flush();
    const hex = bytesToHex(ALICE_SK);
    const needles = [
      Buffer.from(hex),
      Buffer.from(hex.toUpperCase()),
      Buffer.from(nsecEncode(ALICE_SK)),
      Buffer.from(ALICE_SK),
    ];
    const files = filesUnder(join(dir, 'alice'));
    expect(files.some((f) => f.endsWith('otp2p.sqlite'))).toBe(true);
    for (const f of files) {
      const bytes = readFileSync(f);
      for (const n of needles) expect(bytes.includes(n), `${f} holds the secret key`).toBe(false);
    }
    // The scan can find what it looks for: Alice's pubkey is in her database.
    expect(files.some((f) => readFileSync(f).includes(Buffer.from(ALICE)))).toBe(true);
  });

  it('a refusal and a silent signer surface as signer-refused and signer-timeout from Peer operations', async () => {
    const impatient = bunkerFor({ timeoutMs: 1_000, userPubkey: ALICE });
    const erin = await createPeer({ home: join(dir, 'erin'), relays: [relay.url], signer: impatient });
    try {
      refuse = new Set(['sign_event']);
      const refused = await errorOf(erin.catalog.publish(undefined, { force: true }));
      expect(refused.code).toBe('signer-refused');
      refuse = new Set(['nip44_encrypt']);
      expect((await errorOf(erin.dms.send(bob.pubkey, 'not sent'))).code).toBe('signer-refused');
      refuse = new Set();
      stall = true;
      const timedOut = await errorOf(erin.catalog.publish(undefined, { force: true }));
      expect(timedOut.code).toBe('signer-timeout');
      // Nothing was queued for what was never signed.
      expect(erin.outboxReport().counts).toEqual({ pending: 0, acked: 0, failed: 0 });
    } finally {
      stall = false;
      refuse = new Set();
      await erin.stop();
      impatient.close();
    }
  });

  it('a signer that answers for another pubkey is signer-mismatch, at creation or when signing', async () => {
    const other = getPublicKey(hexToBytes('6b'.repeat(32)));
    const wrongUser = bunkerFor({ userPubkey: other, timeoutMs: 5_000 });
    const atCreation = await errorOf(createPeer({ home: join(dir, 'frank'), relays: [relay.url], signer: wrongUser }));
    expect(atCreation.code).toBe('signer-mismatch');
    wrongUser.close();
    // A fake (a fault the NIP-46 client already refuses, so only a custom Signer can produce it):
    // it claims one key and signs with another.
    const real = new LocalSigner(hexToBytes('6c'.repeat(32)), 'nsec');
    const lyingSigner: Signer = {
      identityKind: 'nsec',
      getPublicKey: async () => other,
      signEvent: (t) => real.signEvent(t),
      nip44Encrypt: (pk, text) => real.nip44Encrypt(pk, text),
      nip44Decrypt: (pk, payload) => real.nip44Decrypt(pk, payload),
    };
    const liar = await createPeer({ home: join(dir, 'liar'), relays: [relay.url], signer: lyingSigner });
    try {
      expect((await errorOf(liar.catalog.publish(undefined, { force: true }))).code).toBe('signer-mismatch');
    } finally {
      await liar.stop();
    }
  });

  it('needs exactly one of identity and signer (bad-config)', async () => {
    const identity = deriveIdentity(generateMnemonic());
    const both = await errorOf(createPeer({ home: join(dir, 'both'), relays: [relay.url], identity, signer: bunker }));
    expect(both.code).toBe('bad-config');
    const neither = await errorOf(createPeer({ home: join(dir, 'neither'), relays: [relay.url] }));
    expect(neither.code).toBe('bad-config');
  });
});
