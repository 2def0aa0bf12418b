/**
 * Bitcoin network parameters as bitcoinjs-lib `Network` objects. Regtest differs between node
 * implementations: Bitcoin Core uses bech32 `bcrt` (P2PKH 0x6f, P2SH 0xc4, WIF 0xef), bcoin uses
 * `rb` (P2PKH 0x3c, P2SH 0x26, WIF 0x5a), so the regtest flavour is a parameter.
 */
import { networks } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import type { BitcoinNetwork, BtcNetwork } from '../core/assets.ts';
import { btcNetworkOf } from '../core/assets.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';

/** Which node implementation's regtest parameters to use. */
export type RegtestFlavor = 'core' | 'bcoin';

/** A network as the wallet sees it: bitcoinjs parameters plus the BIP44 coin type. */
export interface NetworkParams {
  readonly name: BitcoinNetwork;
  /** The chain in asset references: this network's coins are the asset `btc@<chain>` (`core/assets.ts`). */
  readonly chain: BtcNetwork;
  /** For regtest only: whose address prefixes. */
  readonly flavor: RegtestFlavor;
  /** bitcoinjs-lib parameters (address prefixes, WIF, BIP32 versions). */
  readonly params: Network;
  /** BIP44 coin type: 0 on mainnet, 1 on every test network. */
  readonly coinType: 0 | 1;
}

/** bcoin's regtest parameters (its `lib/protocol/networks.js`). */
export const BCOIN_REGTEST: Network = Object.freeze({
  messagePrefix: '\x18Bitcoin Signed Message:\n',
  bech32: 'rb',
  bip32: Object.freeze({ public: 0xeab4fa05, private: 0xeab404c7 }),
  pubKeyHash: 0x3c,
  scriptHash: 0x26,
  wif: 0x5a,
}) as Network;

const params = (name: BitcoinNetwork, flavor: RegtestFlavor, p: Network, coinType: 0 | 1): NetworkParams =>
  Object.freeze({ name, chain: btcNetworkOf(name), flavor, params: p, coinType });
const MAINNET = params('mainnet', 'core', networks.bitcoin, 0);
const TESTNET = params('testnet', 'core', networks.testnet, 1);
const REGTEST_CORE = params('regtest', 'core', networks.regtest, 1);
const REGTEST_BCOIN = params('regtest', 'bcoin', BCOIN_REGTEST, 1);

/**
 * The parameters of a network. `flavor` matters only for regtest.
 * @throws OtP2pError `bad-config` for an unknown network or flavour.
 */
export function bitcoinNetwork(name: BitcoinNetwork, flavor: RegtestFlavor = 'core'): NetworkParams {
  if (flavor !== 'core' && flavor !== 'bcoin') {
    throw new OtP2pError('bad-config', `regtest flavor must be core or bcoin, got ${describeValue(flavor)}`, {
      context: { field: 'flavor' },
    });
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
