/**
 * Bitcoin network parameters as bitcoinjs-lib `Network` objects. Regtest differs between node
 * implementations: Bitcoin Core uses bech32 `bcrt` (P2PKH 0x6f, P2SH 0xc4, WIF 0xef), bcoin uses
 * `rb` (P2PKH 0x3c, P2SH 0x26, WIF 0x5a), so the regtest flavour is a parameter.
 */
import { networks } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { BitcoinNetwork } from '../keys/bip84.ts';

/** The networks the configuration can name (the keys area's type). */
export type BitcoinNetworkName = BitcoinNetwork;

/** Which node implementation's regtest parameters to use. */
export type RegtestFlavor = 'core' | 'bcoin';

/** A network as the wallet sees it: bitcoinjs parameters plus the BIP44 coin type. */
export interface NetworkParams {
  readonly name: BitcoinNetworkName;
  /** For regtest only: whose address prefixes. */
  readonly flavor: RegtestFlavor;
  /** bitcoinjs-lib parameters (address prefixes, WIF, BIP32 versions). */
  readonly params: Network;
  /** BIP44 coin type: 0 on mainnet, 1 on every test network. */
  readonly coinType: 0 | 1;
}

/** The unit string BTC carries in catalogs, offers and paths (base unit: the satoshi). */
export const BTC_UNIT = 'btc@bitcoin';

/** bcoin's regtest parameters (its `lib/protocol/networks.js`). */
export const BCOIN_REGTEST: Network = Object.freeze({
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'rb',
  bip32: Object.freeze({ public: 0xeab4fa05, private: 0xeab404c7 }),
  pubKeyHash: 0x3c,
  scriptHash: 0x26,
  wif: 0x5a,
}) as Network;

const MAINNET: NetworkParams = Object.freeze({ name: 'mainnet', flavor: 'core', params: networks.bitcoin, coinType: 0 });
const TESTNET: NetworkParams = Object.freeze({ name: 'testnet', flavor: 'core', params: networks.testnet, coinType: 1 });
const REGTEST_CORE: NetworkParams = Object.freeze({ name: 'regtest', flavor: 'core', params: networks.regtest, coinType: 1 });
const REGTEST_BCOIN: NetworkParams = Object.freeze({ name: 'regtest', flavor: 'bcoin', params: BCOIN_REGTEST, coinType: 1 });

/**
 * The parameters of a network. `flavor` matters only for regtest.
 * @throws OtP2pError `bad-config` for an unknown network or flavour.
 */
export function bitcoinNetwork(name: BitcoinNetworkName, flavor: RegtestFlavor = 'core'): NetworkParams {
  if (flavor !== 'core' && flavor !== 'bcoin') {
    throw new OtP2pError('bad-config', `regtest flavor must be core or bcoin, got ${describeValue(flavor)}`, { context: { field: 'flavor' } });
  }
  switch (name) {
    case 'mainnet':
      return MAINNET;
    case 'testnet':
      return TESTNET;
    case 'regtest':
      return flavor === 'bcoin' ? REGTEST_BCOIN : REGTEST_CORE;
    default:
      throw new OtP2pError('bad-config', `network must be mainnet, testnet or regtest, got ${describeValue(name)}`, {
        context: { field: 'network' },
      });
  }
}
