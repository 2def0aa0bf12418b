/**
 * `openPeer`: the one place CLI commands compose a Peer. With `bitcoinRpc` configured it attaches
 * the identity's BIP84 wallet over a real (bcoin regtest) node, accepts BTC in its catalog, and
 * saves the wallet's state on close.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPeer } from '../../src/cli/peer.ts';
import { Home } from '../../src/cli/home.ts';
import type { CommandContext } from '../../src/cli/command.ts';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { openStore } from '../../src/store/db.ts';
import { startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';
import { tmpDir } from '../helpers/tmp.ts';

const PW = 'peer test password';
let node: RegtestNode;
beforeAll(async () => {
  node = await startRegtest();
});
afterAll(async () => {
  await node.close();
});

function context(home: Home): CommandContext {
  return {
    options: {},
    args: {},
    json: true,
    home,
    relays: ['ws://127.0.0.1:9'],
    signal: new AbortController().signal,
    io: {
      stdout: () => {},
      stderr: () => {},
      stdin: async function* () {},
      isTTY: false,
      env: { OTP2P_PASSWORD: PW, OTP2P_BITCOIN_RPC_PASSWORD: node?.settings.password },
    },
  };
}

describe('openPeer', () => {
  it('attaches the BIP84 wallet when bitcoinRpc is configured and saves its state on close', async () => {
    const home = new Home(join(tmpDir(), 'home'));
    home.writeConfig({
      ...home.config(),
      network: 'regtest',
      bitcoinRpc: { url: node.settings.url, user: node.settings.user },
    });
    createVault(home.vaultPath, generateMnemonic(), PW, { logN: 10, network: 'regtest' });
    const { peer, close } = await openPeer(context(home));
    const catalog = await peer.catalog.build();
    expect(catalog.btc).toEqual({ network: 'regtest' });
    expect(catalog.preference).toContain('btc@regtest');
    await close();
    const store = await openStore(home.dbPath);
    try {
      const wallets = await store.db.selectFrom('btc_wallets').selectAll().execute();
      expect(wallets).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('attaches no wallet without bitcoinRpc: the catalog does not accept BTC', async () => {
    const home = new Home(join(tmpDir(), 'home'));
    createVault(home.vaultPath, generateMnemonic(), PW, { logN: 10 });
    const { peer, close } = await openPeer(context(home));
    try {
      expect((await peer.catalog.build()).btc).toBeUndefined();
    } finally {
      await close();
    }
  });
});
