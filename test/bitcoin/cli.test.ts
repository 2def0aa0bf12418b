/**
 * `otp2p btc` end to end: a vault in a temporary data folder, config.json pointing at a bcoin
 * regtest node on 127.0.0.1, the wallet state kept in the database between runs.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../../src/keys/vault.ts';
import { generateMnemonic } from '../../src/keys/mnemonic.ts';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { activateSegwit, startRegtest } from '../helpers/regtest.ts';
import type { RegtestNode } from '../helpers/regtest.ts';

let node: RegtestNode;
let home: string;
const PW = 'correct horse battery staple';
const env: Record<string, string> = { OTP2P_PASSWORD: PW };

function writeConfig(dir: string, bitcoinRpc: unknown): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ network: 'regtest', bitcoinRpc, confirmations: 1 }));
}

const btc = (...args: string[]) => runCli(['btc', ...args, '--home', home, '--json'], { env });

beforeAll(async () => {
  node = await startRegtest();
  await activateSegwit(node);
  home = tmpDir();
  createVault(join(home, 'vault.json'), generateMnemonic(), PW, { logN: 4, network: 'regtest' });
  // The RPC password travels in the environment, never in config.json.
  const { password, ...rpc } = node.settings;
  env.OTP2P_BITCOIN_RPC_PASSWORD = password;
  writeConfig(home, rpc);
});

afterAll(async () => {
  await node?.close();
});

describe('otp2p btc', () => {
  it('hands out a fresh rb1 address on every run, remembered in the database', async () => {
    const a = await btc('address');
    const b = await btc('address');
    expect(a.code).toBe(0);
    const first = (a.json[0] as { address: string }).address;
    const second = (b.json[0] as { address: string }).address;
    expect(first.startsWith('rb1q')).toBe(true);
    expect(second).not.toBe(first);
    // The first address is the identity's first BIP84 address.
    const who = await runCli(['whoami', '--home', home, '--json', '--bech32-prefix', 'rb'], { env });
    expect((who.json[0] as { bitcoin: { firstAddress: string } }).bitcoin.firstAddress).toBe(first);

    await node.mine(1, first);
    await node.mine(100);
    const bal = await btc('balance');
    expect(bal.code).toBe(0);
    const b0 = bal.json[0] as {
      confirmed: string;
      unconfirmed: string;
      spendable: string;
      height: number;
      utxos: number;
    };
    expect(BigInt(b0.confirmed)).toBeGreaterThan(0n);
    expect(b0).toMatchObject({ unconfirmed: '0', utxos: 1, height: await node.rpc.getBlockCount() });
  });

  it('sends, refusing dust, overspending and foreign addresses with exact codes', async () => {
    const before = BigInt(((await btc('balance')).json[0] as { spendable: string }).spendable);
    const r = await btc('send', '--to', node.burnAddress, '--amount', '250000', '--fee-rate', '3');
    expect(r.code).toBe(0);
    const sent = r.json[0] as { txid: string; fee: string; change: string };
    expect(await node.rpc.getRawMempool()).toContain(sent.txid);
    const after = (await btc('balance')).json[0] as { spendable: string };
    expect(BigInt(after.spendable)).toBe(before - 250_000n - BigInt(sent.fee));
    expect(BigInt(sent.change)).toBe(BigInt(after.spendable));

    const dust = await btc('send', '--to', node.burnAddress, '--amount', '100');
    expect([dust.code, (dust.json[0] as { error: { code: string } }).error.code]).toEqual([2, 'dust']);
    const broke = await btc('send', '--to', node.burnAddress, '--amount', '2100000000000000', '--fee-rate', '1');
    expect([broke.code, (broke.json[0] as { error: { code: string } }).error.code]).toEqual([1, 'insufficient-funds']);
    const foreign = await btc('send', '--to', 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', '--amount', '10000');
    expect([foreign.code, (foreign.json[0] as { error: { code: string } }).error.code]).toEqual([2, 'bad-address']);
    const noAmount = await btc('send', '--to', node.burnAddress);
    expect((noAmount.json[0] as { error: { code: string } }).error.code).toBe('usage');
    const badAmount = await btc('send', '--to', node.burnAddress, '--amount', '1.5');
    expect((badAmount.json[0] as { error: { code: string } }).error.code).toBe('bad-amount');
  });

  it('works offline for addresses and asks for bitcoinRpc for the rest', async () => {
    const offline = tmpDir();
    createVault(join(offline, 'vault.json'), generateMnemonic(), PW, { logN: 4, network: 'regtest' });
    writeConfig(offline, null);
    const a = await runCli(['btc', 'address', '--home', offline, '--json', '--regtest-flavor', 'bcoin'], { env });
    expect(a.code).toBe(0);
    expect((a.json[0] as { address: string }).address.startsWith('rb1q')).toBe(true);
    const b = await runCli(['btc', 'balance', '--home', offline, '--json'], { env });
    expect([b.code, (b.json[0] as { error: { code: string } }).error.code]).toEqual([2, 'bad-config']);
    const wrongPw = await runCli(['btc', 'balance', '--home', offline, '--json'], { env: { OTP2P_PASSWORD: 'nope' } });
    expect((wrongPw.json[0] as { error: { code: string } }).error.code).toBe('bad-password');
  });
});
