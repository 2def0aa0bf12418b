import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { buildFollowsEvent } from '../../src/events/follows.ts';
import { buildRelayListEvent } from '../../src/events/relay-list.ts';
import { Kind } from '../../src/events/kinds.ts';
import { parseOfferEvent } from '../../src/events/offer.ts';
import { parseCatalogEvent } from '../../src/events/catalog.ts';
import { parseAttestationEvent } from '../../src/events/attestation.ts';
import {
  NETWORK_KINDS,
  PAYER,
  ROLE_ATTEST,
  ROLE_CATALOG,
  ROLE_OFFERS,
  advance,
  eventOf,
  eventsOf,
  followsOf,
  generateNetwork,
  keyHex,
  keyIndex,
} from '../../bench/web/network.ts';
import type { EventRef, Network } from '../../bench/web/network.ts';
import { ModelNet, eventJsonSize } from '../../bench/web/relay.ts';

const NOW = 1_796_299_200;
const N = 5000;

/** A digest of everything the generator decides. */
function digest(net: Network): string {
  const h = createHash('sha256');
  for (const a of [net.writeMask, net.roles, net.followOff, net.followTo, net.followCreated, net.offerCreated])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  h.update(JSON.stringify(net.assets));
  return h.digest('hex');
}

const count = (net: Network, bit: number): number => net.roles.reduce((n, r) => n + ((r & bit) !== 0 ? 1 : 0), 0);

describe('bench/web simulated network', () => {
  const net = generateNetwork({ keys: N, seed: 7, now: NOW });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(digest(generateNetwork({ keys: N, seed: 7, now: NOW }))).toBe(digest(net));
    expect(digest(generateNetwork({ keys: N, seed: 8, now: NOW }))).not.toBe(digest(net));
    const e = { key: 42, kind: Kind.Follows, sub: 0, createdAt: net.followCreated[42]! };
    expect(JSON.stringify(eventOf(generateNetwork({ keys: N, seed: 7, now: NOW }), e))).toBe(
      JSON.stringify(eventOf(net, e)),
    );
  });

  it('has heavy-tailed follow counts with a median near 100 and a payer with 150 follows', () => {
    const counts = Array.from({ length: N }, (_, i) => followsOf(net, i).length).sort((a, b) => a - b);
    const median = counts[N / 2]!;
    expect(median).toBeGreaterThanOrEqual(85);
    expect(median).toBeLessThanOrEqual(125);
    expect(counts[N - 1]!).toBeGreaterThan(1000);
    expect(counts.filter((c) => c > 1000).length).toBeLessThan(N * 0.02);
    expect(followsOf(net, PAYER).length).toBe(150);
    // sorted, distinct, never the key itself
    for (const i of [0, 1, 17, N - 1]) {
      const l = followsOf(net, i);
      for (let j = 1; j < l.length; j++) expect(l[j]!).toBeGreaterThan(l[j - 1]!);
      expect(l.includes(i)).toBe(false);
    }
  });

  it('has the stated roles: 3% catalogs, 1% offer publishers with 1-5 offers, 10% attesters', () => {
    expect(count(net, ROLE_CATALOG)).toBe(N * 0.03);
    expect(count(net, ROLE_OFFERS)).toBe(N * 0.01);
    expect(count(net, ROLE_ATTEST)).toBe(N * 0.1);
    for (const k of net.offerKeys) {
      expect(net.offerCount[k]!).toBeGreaterThanOrEqual(1);
      expect(net.offerCount[k]!).toBeLessThanOrEqual(5);
      expect(net.roles[k]! & ROLE_CATALOG).toBe(ROLE_CATALOG);
    }
  });

  it('has every key writing to 2-4 of 16 relays, popular relays carrying more', () => {
    const per = new Array(16).fill(0);
    for (let i = 0; i < N; i++) {
      let bits = 0;
      for (let r = 0; r < 16; r++) if ((net.writeMask[i]! & (1 << r)) !== 0) bits++, per[r]++;
      expect(bits).toBeGreaterThanOrEqual(2);
      expect(bits).toBeLessThanOrEqual(4);
    }
    expect(per[0]).toBeGreaterThan(per[15] * 2);
  });

  it('maps keys to 64-hex pubkeys and back', () => {
    for (const i of [0, 1, 999, N - 1]) {
      const hex = keyHex(net, i);
      expect(hex).toMatch(/^[0-9a-f]{64}$/);
      expect(keyIndex(net, hex)).toBe(i);
    }
    expect(keyIndex(net, 'f'.repeat(64))).toBe(-1);
  });

  it('materializes real-shaped events whose JSON size the model computes exactly', () => {
    const refs: EventRef[] = [];
    for (const k of [PAYER, net.offerKeys[0]!, net.catalogKeys[0]!, net.attestKeys[0]!])
      for (const kind of NETWORK_KINDS) eventsOf(net, k, kind, refs);
    const kinds = new Set(refs.map((r) => r.kind));
    expect([...kinds].sort()).toEqual([...NETWORK_KINDS].sort());
    for (const r of refs) {
      const e = eventOf(net, r);
      expect(e.id).toMatch(/^[0-9a-f]{64}$/);
      expect(e.sig).toMatch(/^[0-9a-f]{128}$/);
      expect(eventJsonSize(e)).toBe(JSON.stringify(e).length);
      if (e.kind === Kind.Offer) expect(parseOfferEvent(e, NOW).pubkey).toBe(e.pubkey);
      if (e.kind === Kind.Catalog) expect(parseCatalogEvent(e).units.length).toBeGreaterThan(0);
      if (e.kind === Kind.MintAttestation) expect(parseAttestationEvent(e).pubkey).toBe(e.pubkey);
    }
    // the hand-built kinds have the builders' shapes
    const f = eventOf(net, { key: 1, kind: Kind.Follows, sub: 0, createdAt: 1 });
    const built = buildFollowsEvent(
      f.tags.map((t) => ({ pubkey: t[1]!, ...(t[2] !== undefined ? { relay: t[2] } : {}) })),
      1,
    );
    expect(f.tags).toEqual(built.tags);
    const rl = eventOf(net, { key: 1, kind: Kind.RelayList, sub: 0, createdAt: 1 });
    expect(rl.tags).toEqual(
      buildRelayListEvent(
        rl.tags.map((t) => ({ url: t[1]!, read: true, write: true })),
        1,
      ).tags,
    );
  });

  it('answers like a relay: authors on that relay only, newest first, capped at 500 per filter, since', async () => {
    const model = new ModelNet(net);
    const relay = net.relayUrls[0]!;
    const authors = Array.from({ length: 1200 }, (_, i) => keyHex(net, i));
    const a = await model.query(relay, [{ kinds: [Kind.RelayList], authors }]);
    const onRelay = authors.filter((_, i) => (net.writeMask[i]! & 1) !== 0).length;
    expect(onRelay).toBeGreaterThan(500);
    expect(a.complete).toBe(true);
    expect(a.events.length).toBe(500);
    for (let i = 1; i < a.events.length; i++)
      expect(a.events[i]!.created_at).toBeLessThanOrEqual(a.events[i - 1]!.created_at);
    expect(model.counters.capped).toBe(1);
    expect(model.counters.reqs).toBe(1);
    expect(model.now).toBeGreaterThan(0.3); // connection (2 round trips) + one round trip + transfer
    const before = structuredClone(net.offerCreated);
    advance(net);
    const changed = net.offerCreated.filter((t, i) => t !== before[i]).length;
    expect(changed).toBe(Math.round(net.offerOwner.length * 0.01));
    const since = await model.query(relay, [{ kinds: [Kind.Offer], since: NOW }]);
    for (const e of since.events) expect(e.created_at).toBeGreaterThan(NOW);
  });
});
