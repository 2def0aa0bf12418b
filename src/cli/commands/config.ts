import { OtP2pError } from '../../core/errors.ts';
import { CONFIG_KEYS, validateConfig } from '../../config.ts';
import type { Config } from '../../config.ts';
import { defineCommand } from '../command.ts';
import { printJson } from '../io.ts';
import { RPC_PASSWORD_ENV, rpcSettings } from '../../bitcoin/open.ts';
import { boolOption } from '../options.ts';
import { forgetRpcPassword, hasRpcPassword, storeRpcPassword } from '../rpc-password.ts';
import { PASSWORD_OPTION, readSecrets } from '../secrets.ts';

/** Keys whose value is a string (or null): a bare number typed for them is kept as its text. */
const TEXT_KEYS: ReadonlySet<keyof Config> = new Set<keyof Config>([
  'network',
  'maxExposurePerPeer',
  'otData',
  'otUser',
]);

function checkKey(key: string): keyof Config {
  if (!(CONFIG_KEYS as string[]).includes(key)) {
    throw new OtP2pError('bad-config', `unknown config key ${key}; known keys: ${CONFIG_KEYS.join(', ')}`, {
      context: { key },
    });
  }
  return key as keyof Config;
}

export default defineCommand({
  name: 'config',
  description: 'Read or change the configuration (config.json in the data folder)',
  details:
    'VALUE is parsed as JSON when it is valid JSON (numbers, arrays, null), else taken as a string.\nExamples: otp2p config set relays \'["wss://relay.example"]\'   otp2p config set network regtest\n' +
    'trustedAuthRelays: relays whose NIP-42 AUTH challenge is answered at once (they learn your npub on\n' +
    '    connect); every other relay gets an AUTH only when it refuses a request with auth-required.\n' +
    '    otp2p config set trustedAuthRelays \'["wss://relay.example"]\'\n' +
    "bitcoinRpc: the node's url and user; the password never goes in config.json or on the command line. Either\n" +
    '    "cookieFile" (the node\'s .cookie), or $OTP2P_BITCOIN_RPC_PASSWORD, or type it once on stdin with\n' +
    '    --rpc-password-stdin: it is kept sealed under the vault password (bitcoin-rpc-password.json, NIP-49),\n' +
    '    so the vault password opens it (stdin: the vault password first with --password-stdin, then it):\n' +
    '    printf \'%s\\n\' "$RPC_PASSWORD" | otp2p config set bitcoinRpc \'{"url":"http://127.0.0.1:8332/","user":"me"}\' --rpc-password-stdin\n' +
    '    Setting bitcoinRpc to null forgets the stored password.',
  positionals: [
    { name: 'action', description: 'get | set | list', required: true },
    { name: 'key', description: 'configuration key' },
    { name: 'value', description: 'new value (for set)' },
  ],
  options: {
    'rpc-password-stdin': {
      type: 'boolean',
      description: 'set bitcoinRpc: read the RPC password from stdin and keep it sealed under the vault password',
    },
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const action = ctx.args.action as string;
    const config = ctx.home.config();
    // An older version's plaintext RPC password is never printed.
    const shown: Config =
      config.bitcoinRpc?.password !== undefined
        ? { ...config, bitcoinRpc: { ...config.bitcoinRpc, password: '(hidden: move it, see otp2p btc --help)' } }
        : config;
    if (action === 'list' || (action === 'get' && ctx.args.key === undefined)) {
      if (ctx.json) printJson(ctx, shown);
      else ctx.io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      return;
    }
    if (action !== 'get' && action !== 'set') {
      throw new OtP2pError('usage', `config action must be get, set or list, got '${action}'`);
    }
    if (ctx.args.key === undefined) throw new OtP2pError('usage', `config ${action} needs a KEY`);
    const key = checkKey(ctx.args.key as string);
    if (action === 'get') {
      if (ctx.json) printJson(ctx, { [key]: shown[key] });
      else ctx.io.stdout(`${typeof shown[key] === 'string' ? shown[key] : JSON.stringify(shown[key])}\n`);
      return;
    }
    const raw = ctx.args.value as string | undefined;
    if (raw === undefined) throw new OtP2pError('usage', `config set ${key} needs a VALUE`);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: a plain string
    }
    // A key that holds text takes what was typed: `5000` for an amount (an integer string, so it
    // stays exact beyond 2^53) or a folder named `2026`, without making the user quote JSON.
    if (TEXT_KEYS.has(key) && typeof value === 'number') value = raw;
    const next = validateConfig({ ...config, [key]: value });
    // The RPC password never goes into config.json (nor on the command line it came from).
    if (key === 'bitcoinRpc' && next.bitcoinRpc !== null) rpcSettingsShape(next.bitcoinRpc);
    const sealRpc = boolOption(ctx, 'rpc-password-stdin');
    if (sealRpc) {
      if (key !== 'bitcoinRpc' || next.bitcoinRpc === null || next.bitcoinRpc.cookieFile !== undefined)
        throw new OtP2pError(
          'usage',
          '--rpc-password-stdin goes with config set bitcoinRpc \'{"url":...,"user":...}\' (not null, no cookieFile)',
          { context: { option: 'rpc-password-stdin' } },
        );
      const secrets = await readSecrets(ctx, { password: true, rpcPassword: true });
      storeRpcPassword(ctx.home, secrets.password as string, secrets.rpcPassword as string);
    } else if (key === 'bitcoinRpc' && next.bitcoinRpc === null) forgetRpcPassword(ctx.home);
    ctx.home.writeConfig(next);
    const sealed = key === 'bitcoinRpc' && next.bitcoinRpc !== null && hasRpcPassword(ctx.home);
    if (ctx.json) printJson(ctx, { [key]: next[key], ...(sealed ? { rpcPassword: 'sealed' } : {}) });
    else if (!sealed) ctx.io.stderr(`set ${key}\n`);
    else {
      const kept = sealRpc ? 'is sealed under the vault password' : 'sealed before is kept';
      const env = ctx.io.env[RPC_PASSWORD_ENV] ? ` ($${RPC_PASSWORD_ENV}, while set, is used instead)` : '';
      ctx.io.stderr(`set ${key}; the RPC password ${kept}${env}\n`);
    }
  },
});

/**
 * Refuse a `bitcoinRpc` value carrying a password (in `password` or the URL), before it is written.
 * @throws OtP2pError `bad-config` saying where the password goes instead.
 */
function rpcSettingsShape(rpc: NonNullable<Config['bitcoinRpc']>): void {
  if (rpc.password === undefined && !/^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(rpc.url)) return;
  // rpcSettings names the fix; with a cookie file or the env variable the password is not needed here.
  rpcSettings(rpc, {});
}
