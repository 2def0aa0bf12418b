/**
 * A small payment network for tests: two SimulatedNotary ledgers (real SQLite files), four peers
 * each with its own SQLite store and PaymentCoordinator, talking over the in-process channel hub.
 * Alice pays USD on notary 1; Bob converts USD to EUR on notary 1; Carol converts EUR on notary 1
 * to EUR on notary 2; Dave accepts EUR on notary 2.
 */
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { bytesToHex } from '../../src/core/bytes.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import { openStore } from '../../src/store/db.ts';
import type { Store } from '../../src/store/db.ts';
import { PaymentCoordinator } from '../../src/payments/coordinator.ts';
import type { CoordinatorLimits, RouteLeg } from '../../src/payments/coordinator.ts';
import type { CrashHook } from '../../src/payments/crash.ts';
import { MemoryChannelHub } from '../../src/payments/adapters/memory.ts';
import { OtApiTransfers, simulatedNotaryLookup } from '../../src/payments/adapters/otapi.ts';
import type { OtAccountBinding } from '../../src/payments/adapters/otapi.ts';
import { OfferPolicy } from '../../src/payments/quote.ts';
import type { HopOffer } from '../../src/payments/quote.ts';
import type { HopPolicy, TransferExecutor } from '../../src/payments/ports.ts';

export const NAMES = ['alice', 'bob', 'carol', 'dave'] as const;
export type Name = (typeof NAMES)[number];

export interface Party {
  name: Name;
  pubkey: string;
  storePath: string;
  store: Store;
  coordinator: PaymentCoordinator;
  transfers: TransferExecutor;
  accounts: OtAccountBinding[];
}

export interface World {
  dir: string;
  clock: ManualClock;
  hub: MemoryChannelHub;
  n1: SimulatedNotary;
  n2: SimulatedNotary;
  usd1: string;
  eur1: string;
  eur2: string;
  parties: Record<Name, Party>;
  route(amountToDave?: bigint): RouteLeg[];
  balances(): Record<string, bigint>;
  /** Sum of every account per notary:unit. */
  totals(): Record<string, bigint>;
  transferCount(): number;
  /** Close and reopen `name`'s store and coordinator (a restart). */
  restart(name: Name, options?: PartyOptions): Promise<Party>;
  close(): Promise<void>;
}

export interface PartyOptions {
  wrapTransfers?: (t: TransferExecutor) => TransferExecutor;
  policy?: HopPolicy | null;
  crash?: (party: () => Party) => CrashHook;
  limits?: Partial<CoordinatorLimits>;
}

const seed = (s: string): Uint8Array => Uint8Array.from(Buffer.alloc(32, s));

/** Build the world with fresh files under `dir`. */
export async function buildWorld(dir: string, options: Partial<Record<Name, PartyOptions>> = {}): Promise<World> {
  const clock = new ManualClock(1_800_000_000_000);
  const hub = new MemoryChannelHub();
  const n1 = SimulatedNotary.open({
    ledgerPath: join(dir, 'notary1.sqlite'),
    seed: seed('1'),
    units: [
      { name: 'US Dollars', tla: 'USD', factor: 100n, decimalPower: 2 },
      { name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 },
    ],
  });
  const n2 = SimulatedNotary.open({
    ledgerPath: join(dir, 'notary2.sqlite'),
    seed: seed('2'),
    units: [{ name: 'Euros', tla: 'EUR', factor: 100n, decimalPower: 2 }],
  });
  const usd1 = n1.units[0]!.id;
  const eur1 = n1.units[1]!.id;
  const eur2 = n2.units[0]!.id;
  const lookup = simulatedNotaryLookup({ [n1.id]: join(dir, 'notary1.sqlite'), [n2.id]: join(dir, 'notary2.sqlite') });
  const rnd = new SeededRandom(7);
  const pubkeys = Object.fromEntries(NAMES.map((n) => [n, bytesToHex(rnd.bytes(32))])) as Record<Name, string>;
  const open = (name: Name, owner: SimulatedNotary, unit: string, balance: bigint): OtAccountBinding => ({
    notary: owner.id,
    unit,
    account: owner.openAccount(name, unit, balance),
  });
  const accounts: Record<Name, OtAccountBinding[]> = {
    alice: [open('alice', n1, usd1, 1000n)],
    bob: [open('bob', n1, usd1, 0n), open('bob', n1, eur1, 1000n)],
    carol: [open('carol', n1, eur1, 0n), open('carol', n2, eur2, 1000n)],
    dave: [open('dave', n2, eur2, 0n)],
  };
  const offers: Record<Name, HopOffer[]> = {
    alice: [],
    bob: [
      {
        id: 'bob-usd-eur',
        inNotary: n1.id,
        inUnit: usd1,
        outNotary: n1.id,
        outUnit: eur1,
        rate: { num: 9n, den: 10n },
        cutPpm: 1000,
        fee: 1n,
        minOut: 1n,
        maxOut: 500n,
        liquidity: 1000n,
      },
    ],
    carol: [
      {
        id: 'carol-eur-eur',
        inNotary: n1.id,
        inUnit: eur1,
        outNotary: n2.id,
        outUnit: eur2,
        rate: { num: 1n, den: 1n },
        cutPpm: 0,
        fee: 2n,
        minOut: 1n,
        maxOut: 500n,
        liquidity: 1000n,
      },
    ],
    dave: [],
  };
  const apis = (name: Name) => ({ [n1.id]: n1.clientFor(name), [n2.id]: n2.clientFor(name) });
  const parties = {} as Record<Name, Party>;

  const make = async (name: Name, o: PartyOptions = options[name] ?? {}): Promise<Party> => {
    const storePath = join(dir, `${name}.sqlite`);
    const store = await openStore(storePath);
    const base = new OtApiTransfers({ apis: apis(name), accounts: accounts[name], lookup });
    const transfers = o.wrapTransfers ? o.wrapTransfers(base) : base;
    const policy =
      o.policy === null ? undefined : (o.policy ?? (offers[name].length ? new OfferPolicy(offers[name]) : undefined));
    const party = { name, pubkey: pubkeys[name], storePath, store, transfers, accounts: accounts[name] } as Party;
    party.coordinator = new PaymentCoordinator({
      store,
      self: pubkeys[name],
      ports: {
        channel: hub.channel(pubkeys[name]),
        transfers,
        clock,
        random: new SeededRandom(NAMES.indexOf(name) + 100 + Math.floor(Math.random() * 1e6)),
        ...(policy ? { policy } : {}),
        social: { degreeOf: (pk: string) => (pk === pubkeys.bob ? 1 : pk === pubkeys.carol ? 2 : undefined) },
      },
      ...(o.limits ? { limits: o.limits } : {}),
      // The cast's names, as a wallet's petnames would give them.
      nameOf: (pk: string) => NAMES.find((n) => pubkeys[n] === pk) ?? 'a stranger',
      ...(process.env.PAY_DEBUG ? { log: (l: string) => console.error(`[${name}] ${l}`) } : {}),
      ...(o.crash ? { crash: o.crash(() => parties[name]) } : {}),
    });
    parties[name] = party;
    await party.coordinator.start();
    return party;
  };
  for (const name of NAMES) await make(name);

  const allAccounts = (): { key: string; notary: SimulatedNotary; id: string; unit: string }[] =>
    NAMES.flatMap((name) =>
      accounts[name].map((a) => ({
        key: `${name}:${a.notary === n1.id ? 'n1' : 'n2'}:${a.unit === usd1 ? 'USD' : 'EUR'}`,
        notary: a.notary === n1.id ? n1 : n2,
        id: a.account,
        unit: a.unit,
      })),
    );

  return {
    dir,
    clock,
    hub,
    n1,
    n2,
    usd1,
    eur1,
    eur2,
    parties,
    route: (amount = 100n) => [
      { from: pubkeys.alice, to: pubkeys.bob, notary: n1.id, unit: usd1, amount: 116n, offer: 'bob-usd-eur' },
      { from: pubkeys.bob, to: pubkeys.carol, notary: n1.id, unit: eur1, amount: 102n, offer: 'carol-eur-eur' },
      { from: pubkeys.carol, to: pubkeys.dave, notary: n2.id, unit: eur2, amount },
    ],
    balances: () => Object.fromEntries(allAccounts().map((a) => [a.key, a.notary.balance(a.id)])),
    totals: () => {
      const t: Record<string, bigint> = {};
      for (const a of allAccounts()) {
        const k = `${a.notary.id}:${a.unit}`;
        t[k] = (t[k] ?? 0n) + a.notary.balance(a.id);
      }
      return t;
    },
    transferCount: () => n1.transferCount() + n2.transferCount(),
    restart: async (name, o) => {
      const p = parties[name];
      await p.coordinator.stop();
      await p.store.close();
      return make(name, o ?? {});
    },
    close: async () => {
      for (const name of NAMES) {
        await parties[name].coordinator.stop();
        await parties[name].store.close();
      }
      lookup.close();
      n1.close();
      n2.close();
    },
  };
}

/** Tick every coordinator and let the hub deliver, `rounds` times. */
export async function settle(world: World, rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await world.hub.settled();
    for (const name of NAMES) await world.parties[name].coordinator.tick();
    await world.hub.settled();
  }
}
