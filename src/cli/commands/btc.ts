/**
 * `otp2p btc address|balance|send`: the BIP84 wallet of the identity, over the configured
 * Bitcoin Core compatible JSON-RPC node.
 */
import type { HDKey } from '@scure/bip32';
import { openHomeWallet } from '../../bitcoin/open.ts';
import { openStore } from '../../store/db.ts';
import type { CommandContext } from '../command.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { amountOption, choiceArg, enumOption, intOption, requiredAmount, requiredString } from '../options.ts';
import { walletEnv } from '../rpc-password.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP, readSecrets, unlockHomeIdentity } from '../secrets.ts';
import type { Secrets } from '../secrets.ts';

/**
 * Where the account key comes from. The default unlocks the vault; tests and embedders may
 * swap it (e.g. for an account xprv from a hardware signer's export).
 */
export const btcDeps: { loadAccount: (ctx: CommandContext, secrets: Secrets) => Promise<HDKey> } = {
  loadAccount: async (ctx, secrets) => (await unlockHomeIdentity(ctx, secrets)).bitcoin.node,
};

/** Block heights `--from-height` accepts (far beyond any chain, well inside a safe integer). */
const HEIGHT = { min: 0, max: 100_000_000 };

export default defineCommand({
  name: 'btc',
  description: 'The Bitcoin wallet of the identity (BIP84, P2WPKH): fresh addresses, balance, payments',
  details:
    'Actions: address (a receive address never given before), balance, send --to ADDRESS --amount\n' +
    'SATS [--fee-rate SAT_PER_VB]. The network and the node (bitcoinRpc) come from config.json; the RPC\n' +
    "password from the node's cookie file (bitcoinRpc.cookieFile), $OTP2P_BITCOIN_RPC_PASSWORD, or as stored sealed\n" +
    'under the vault password by otp2p config set bitcoinRpc … --rpc-password-stdin; never config.json or argv;\n' +
    'the wallet state (scan position, outputs, address indices) is kept in the database, so a\n' +
    'first run scans from --from-height (default 0). On regtest the address flavour (Core bcrt,\n' +
    'bcoin rb) is detected from the node unless --regtest-flavor is given. Amounts are in sats.\n' +
    "The fee rate defaults to the node's estimatesmartfee (6 blocks), else 2 sat/vB.\n\n" +
    STDIN_SECRETS_HELP,
  positionals: [{ name: 'action', description: 'address | balance | send', required: true }],
  options: {
    to: { type: 'string', value: 'ADDRESS', description: 'send: recipient address' },
    amount: { type: 'string', value: 'SATS', description: 'send: amount in sats' },
    'fee-rate': { type: 'string', value: 'N', description: 'send: fee rate in sat/vB' },
    'from-height': { type: 'string', value: 'N', default: '0', description: 'first block to scan on the first run' },
    'regtest-flavor': {
      type: 'string',
      value: 'core|bcoin',
      description: 'regtest address prefixes (default: detected from the node)',
    },
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const action = choiceArg(ctx, 'action', ['address', 'balance', 'send'] as const);
    let send: { to: string; amount: bigint; feeRate?: bigint } | undefined;
    if (action === 'send') {
      const to = requiredString(ctx, 'to', 'ADDRESS');
      const amount = requiredAmount(ctx, 'amount', { min: 1n }, 'SATS');
      const feeRate = amountOption(ctx, 'fee-rate', { min: 1n });
      send = { to, amount, ...(feeRate !== undefined ? { feeRate } : {}) };
    }
    const birth = intOption(ctx, 'from-height', HEIGHT);
    const flavor = enumOption(ctx, 'regtest-flavor', ['core', 'bcoin'] as const);
    const config = ctx.home.config();
    // Read once: the vault password also opens a stored RPC password (config set --rpc-password-stdin).
    const secrets = await readSecrets(ctx, { password: true });
    const account = await btcDeps.loadAccount(ctx, secrets);
    const store = await openStore(ctx.home.dbPath);
    try {
      const opened = await openHomeWallet({
        config,
        account,
        store,
        env: config.bitcoinRpc ? walletEnv(ctx.home, secrets.password, ctx.io.env) : ctx.io.env,
        requireChain: action !== 'address',
        ...(flavor !== undefined ? { flavor } : {}),
        ...(birth !== undefined ? { birthHeight: birth } : {}),
      });
      const { wallet } = opened;
      if (opened.rpc) await wallet.sync(ctx.signal);
      else ctx.io.stderr('bitcoinRpc is not set: the address is derived offline from the saved state\n');
      if (action === 'address') {
        const address = wallet.nextReceiveAddress();
        await opened.save();
        if (ctx.json) printJson(ctx, { address, network: opened.network.name });
        else ctx.io.stdout(`${address}\n`);
        return;
      }
      if (action === 'balance') {
        await opened.save();
        const b = wallet.balance();
        const out = {
          network: opened.network.name,
          height: wallet.tipHeight,
          confirmations: wallet.confirmationsRequired,
          ...b,
          utxos: wallet.utxos().filter((o) => o.spentBy === null).length,
        };
        if (ctx.json) printJson(ctx, out);
        else
          ctx.io.stdout(
            `confirmed:   ${b.confirmed} sats\nunconfirmed: ${b.unconfirmed} sats\nspendable:   ${b.spendable} sats\nheight:      ${wallet.tipHeight}\n`,
          );
        return;
      }
      const sent = await wallet.send(send!);
      await opened.save();
      const out = {
        txid: sent.txid,
        amount: send!.amount,
        fee: sent.fee,
        vsize: sent.vsize,
        change: sent.change?.value ?? 0n,
        to: send!.to,
      };
      if (ctx.json) printJson(ctx, out);
      else ctx.io.stdout(`${sent.txid}\n`);
      ctx.io.stderr(`sent ${send!.amount} sats to ${send!.to}, fee ${sent.fee} sats (${sent.vsize} vB)\n`);
    } finally {
      await store.close();
    }
  },
});
