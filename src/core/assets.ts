/**
 * Assets: what a catalog accepts, an offer converts and a route pays. An asset is a unit on a
 * notary, written `<unit>@<notary>` (the notary is after the last `@`, so a unit ID may contain
 * one). This module is the one place that names units, formats and parses them, and says which
 * of them is on-chain bitcoin.
 *
 * Decision (docs/protocol.md, "Assets"): on-chain BTC is the unit `btc` on the "notary" named
 * after its chain: `btc@bitcoin` on mainnet, `btc@testnet`, `btc@signet`, `btc@regtest`. Coins of
 * two chains are two assets, so a regtest catalog, a regtest offer and a regtest route leg all say
 * `btc@regtest` and meet, while nothing ever routes a mainnet payment into a test network (or
 * back). The catalog's `["btc", <chain>]` tag, its preference keys, offers' `in`/`out` tags and
 * payment legs all use these names.
 *
 * Two network vocabularies exist on purpose, both defined here: {@link BitcoinNetwork}
 * (`mainnet`/`testnet`/`regtest`) is what a wallet runs on (the config key, BIP84 paths, address
 * prefixes), and {@link BtcNetwork} (`bitcoin`/`testnet`/`signet`/`regtest`) is the chain as it
 * appears on the wire, where mainnet has always been spelt `bitcoin` and a catalog may name
 * signet. {@link btcNetworkOf} is the only mapping between them.
 */
import type { ErrorCode } from './errors.ts';
import { fail } from './assert.ts';

/** A unit (asset type) on a notary. On-chain BTC is unit {@link BTC_UNIT} on its chain (see {@link btcRef}). */
export interface UnitRef {
  unit: string;
  notary: string;
}

/** The unit ID of on-chain bitcoin (base unit: the satoshi). Reserved: no OT unit may use it in a catalog. */
export const BTC_UNIT = 'btc';

/** The chains an asset reference may name for on-chain BTC (the wire spelling). */
export const BTC_NETWORKS = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;
/** A chain as catalogs, offers and route legs name it (`btc@<chain>`). */
export type BtcNetwork = (typeof BTC_NETWORKS)[number];

/** The networks a wallet can run on (configuration, BIP84 derivation, address prefixes). */
export const BITCOIN_NETWORKS = ['mainnet', 'testnet', 'regtest'] as const;
/** A network a wallet runs on. */
export type BitcoinNetwork = (typeof BITCOIN_NETWORKS)[number];

const WIRE_NAME: Record<BitcoinNetwork, BtcNetwork> = { mainnet: 'bitcoin', testnet: 'testnet', regtest: 'regtest' };

/** The chain name (for asset references) of the network a wallet runs on: `mainnet` is `bitcoin`. */
export function btcNetworkOf(network: BitcoinNetwork): BtcNetwork {
  return WIRE_NAME[network];
}

/** Whether `value` is a chain name of {@link BTC_NETWORKS}. */
export function isBtcNetwork(value: unknown): value is BtcNetwork {
  return (BTC_NETWORKS as readonly unknown[]).includes(value);
}

/** Whether `value` is a wallet network of {@link BITCOIN_NETWORKS}. */
export function isBitcoinNetwork(value: unknown): value is BitcoinNetwork {
  return (BITCOIN_NETWORKS as readonly unknown[]).includes(value);
}

/** On-chain BTC on `network` as a unit reference (`{ unit: 'btc', notary: network }`). */
export function btcRef(network: BtcNetwork = 'bitcoin'): UnitRef {
  return { unit: BTC_UNIT, notary: network };
}

/** The asset key of on-chain BTC on `network` (`btc@bitcoin`, `btc@regtest`, ...). */
export function btcAssetKey(network: BtcNetwork = 'bitcoin'): string {
  return formatUnitRef(btcRef(network));
}

/**
 * Whether (`notary`, `unit`) is on-chain BTC on some chain: paid at addresses, settled by
 * confirmations. Which chain is the caller's business (a wallet pays only on its own).
 */
export function isOnChainAsset(notary: string, unit: string): boolean {
  return unit === BTC_UNIT && isBtcNetwork(notary);
}

/** The chain of an on-chain BTC reference, or undefined for any other asset. */
export function btcNetworkOfRef(ref: UnitRef): BtcNetwork | undefined {
  return isOnChainAsset(ref.notary, ref.unit) ? (ref.notary as BtcNetwork) : undefined;
}

/** `unit@notary`: the asset key used in catalogs' preferences, negotiation, routes and displays. */
export function formatUnitRef(u: UnitRef): string {
  return `${u.unit}@${u.notary}`;
}

/**
 * Parse `unit@notary`, splitting at the last `@` (unit IDs may contain one, notary IDs never do).
 * The inverse of {@link formatUnitRef}.
 * @throws OtP2pError `code` (default `bad-input`) when either side is empty or there is no `@`.
 */
export function parseUnitRef(text: unknown, field = 'unit', code: ErrorCode = 'bad-input'): UnitRef {
  const at = typeof text === 'string' ? text.lastIndexOf('@') : -1;
  if (typeof text !== 'string' || at <= 0 || at === text.length - 1)
    fail(code, field, 'of the form <unit>@<notary>', text);
  return { unit: text.slice(0, at), notary: text.slice(at + 1) };
}

/** Whether two references name the same asset. */
export function sameUnit(a: UnitRef, b: UnitRef): boolean {
  return a.unit === b.unit && a.notary === b.notary;
}
