/**
 * BIP84 (native SegWit, P2WPKH) account of a BIP39 seed: `m/84'/0'/<account>'` on mainnet,
 * `m/84'/1'/<account>'` on testnet and regtest. Gives the SLIP-132 extended public key (zpub on
 * mainnet, vpub on testnet/regtest), the plain BIP32 one (xpub/tpub, what Bitcoin Core
 * descriptors take), and receive/change addresses through bitcoinjs-lib.
 *
 * Regtest bech32 prefixes differ between nodes (Bitcoin Core `bcrt`, bcoin `rb`), so the prefix
 * is a parameter.
 */
import { HDKey } from '@scure/bip32';
import { networks, payments } from 'bitcoinjs-lib';
import type { Network as BtcjsNetwork } from 'bitcoinjs-lib';
import * as check from '../core/assert.ts';
import type { BitcoinNetwork } from '../core/assets.ts';
import { BITCOIN_NETWORKS } from '../core/assets.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { checkAccount } from './nip06.ts';

// The wallet networks are defined with the assets (`core/assets.ts`); re-exported for key users.
export type { BitcoinNetwork } from '../core/assets.ts';
export { BITCOIN_NETWORKS } from '../core/assets.ts';

/** SLIP-132 / BIP32 version bytes. */
const VERSIONS = {
  zpub: { public: 0x04b24746, private: 0x04b2430c },
  vpub: { public: 0x045f1cf6, private: 0x045f18bc },
  xpub: { public: 0x0488b21e, private: 0x0488ade4 },
  tpub: { public: 0x043587cf, private: 0x04358394 },
} as const;

/** Default bech32 prefixes; regtest is Bitcoin Core's (`bcrt`); bcoin uses `rb`. */
export const DEFAULT_BECH32: Record<BitcoinNetwork, string> = { mainnet: 'bc', testnet: 'tb', regtest: 'bcrt' };

/**
 * Check a network name.
 * @throws OtP2pError `bad-input`.
 */
export function checkNetwork(network: unknown): BitcoinNetwork {
  return check.oneOf(network, 'network', 'bad-input', BITCOIN_NETWORKS);
}

/**
 * The bitcoinjs-lib network object for `network`, with `bech32` overridden when given
 * (e.g. `rb` for a bcoin regtest node).
 * @throws OtP2pError `bad-input` for an unknown network or a malformed prefix.
 */
export function btcjsNetwork(network: BitcoinNetwork, bech32Prefix?: string): BtcjsNetwork {
  const base =
    checkNetwork(network) === 'mainnet'
      ? networks.bitcoin
      : network === 'testnet'
        ? networks.testnet
        : networks.regtest;
  if (bech32Prefix === undefined) return base;
  if (typeof bech32Prefix !== 'string' || !/^[a-z]{1,16}$/.test(bech32Prefix)) {
    throw new OtP2pError(
      'bad-input',
      `bech32 prefix must be 1..16 lowercase letters, got ${describeValue(bech32Prefix)}`,
      {
        context: { field: 'bech32Prefix' },
      },
    );
  }
  return { ...base, bech32: bech32Prefix };
}

/** The BIP84 account path. */
export function bip84Path(network: BitcoinNetwork, account = 0): string {
  return `m/84'/${checkNetwork(network) === 'mainnet' ? 0 : 1}'/${checkAccount(account)}'`;
}

/** A BIP84 account. `node` holds the account private key: never log or serialise it. */
export interface Bip84Account {
  network: BitcoinNetwork;
  account: number;
  /** e.g. `m/84'/0'/0'`. */
  path: string;
  /** SLIP-132 account public key: zpub (mainnet) or vpub (testnet, regtest). */
  xpub: string;
  /** The same key with plain BIP32 versions: xpub (mainnet) or tpub (testnet, regtest). */
  accountXpub: string;
  /** bech32 human-readable prefix used for addresses. */
  bech32Prefix: string;
  /** First receive address, `<path>/0/0`. */
  firstAddress: string;
  /** The BIP32 account node (plain xpub/tpub versions, private key included). */
  node: HDKey;
}

/**
 * The P2WPKH address of a compressed public key on a network.
 * @throws OtP2pError `bad-key` when bitcoinjs-lib refuses the key.
 */
export function p2wpkhAddress(publicKey: Uint8Array, network: BtcjsNetwork): string {
  try {
    const { address } = payments.p2wpkh({ pubkey: publicKey, network });
    if (!address) throw new Error('no address');
    return address;
  } catch (cause) {
    throw new OtP2pError('bad-key', 'cannot build a P2WPKH address from this public key', { cause });
  }
}

/**
 * Address `index` on `chain` (0 receive, 1 change) of an account node (private or public).
 * @throws OtP2pError `bad-derivation-path` for a bad chain or index.
 */
export function bip84Address(accountNode: HDKey, chain: 0 | 1, index: number, network: BtcjsNetwork): string {
  if ((chain !== 0 && chain !== 1) || !Number.isInteger(index) || index < 0 || index > 0x7fffffff) {
    throw new OtP2pError(
      'bad-derivation-path',
      `address chain must be 0 or 1 and index 0..2^31-1, got ${describeValue(chain)}/${describeValue(index)}`,
    );
  }
  const child = accountNode.deriveChild(chain).deriveChild(index);
  if (!child.publicKey) throw new OtP2pError('bad-key', 'derived node has no public key');
  return p2wpkhAddress(child.publicKey, network);
}

/**
 * The BIP84 account of a BIP39 seed.
 * @throws OtP2pError `bad-input` (network, prefix), `bad-derivation-path` (account), `bad-key` (seed).
 */
export function bip84FromSeed(
  seed: Uint8Array,
  options: { network?: BitcoinNetwork; account?: number; bech32Prefix?: string } = {},
): Bip84Account {
  const network = checkNetwork(options.network ?? 'mainnet');
  const account = checkAccount(options.account ?? 0);
  const btc = btcjsNetwork(network, options.bech32Prefix);
  const path = bip84Path(network, account);
  const plain = network === 'mainnet' ? VERSIONS.xpub : VERSIONS.tpub;
  const slip = network === 'mainnet' ? VERSIONS.zpub : VERSIONS.vpub;
  let node: HDKey;
  try {
    node = HDKey.fromMasterSeed(seed, plain).derive(path);
  } catch (cause) {
    throw new OtP2pError('bad-key', 'cannot derive the BIP84 account from this seed', { cause });
  }
  const acct = {
    network,
    account,
    path,
    xpub: withVersions(node, slip).publicExtendedKey,
    accountXpub: node.publicExtendedKey,
    bech32Prefix: btc.bech32,
    firstAddress: bip84Address(node, 0, 0, btc),
  } as Bip84Account;
  // Non-enumerable: JSON.stringify or a log line of the account must not carry the xprv
  // (HDKey.toJSON would print it).
  Object.defineProperty(acct, 'node', { value: node, enumerable: false });
  return acct;
}

/** The same public node re-encoded with other version bytes (the private key is not copied). */
function withVersions(node: HDKey, versions: { public: number; private: number }): HDKey {
  return new HDKey({
    versions,
    depth: node.depth,
    index: node.index,
    parentFingerprint: node.parentFingerprint,
    chainCode: node.chainCode ?? undefined,
    publicKey: node.publicKey ?? undefined,
  });
}

/**
 * The account's extended private key with SLIP-132 versions (zprv/vprv). Secret: for export
 * to another wallet only.
 */
export function accountExtendedPrivateKey(acct: Bip84Account): string {
  const slip = acct.network === 'mainnet' ? VERSIONS.zpub : VERSIONS.vpub;
  const copy = new HDKey({
    versions: slip,
    depth: acct.node.depth,
    index: acct.node.index,
    parentFingerprint: acct.node.parentFingerprint,
    chainCode: acct.node.chainCode ?? undefined,
    privateKey: acct.node.privateKey ?? undefined,
  });
  return copy.privateExtendedKey;
}
