/**
 * The JSON-RPC client against real HTTP servers on 127.0.0.1 that misbehave on purpose
 * (`FaultServer`): a real node cannot be made to hang, send garbage or lie about a broadcast.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BitcoinCoreRpc, btcToSats } from '../../src/bitcoin/chain.ts';
import { isOtP2pError } from '../../src/core/errors.ts';
import type { OtP2pError } from '../../src/core/errors.ts';

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A real HTTP server whose answers the test decides. */
async function faultServer(
  handler: (body: { method: string; params: unknown[] }, req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => handler(JSON.parse(text) as { method: string; params: unknown[] }, req, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const reply = (res: ServerResponse, result: unknown, error: unknown = null, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result, error, id: 1 }));
};

async function failure(p: Promise<unknown>): Promise<OtP2pError> {
  try {
    await p;
  } catch (err) {
    if (isOtP2pError(err)) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('BitcoinCoreRpc', () => {
  it('sends basic auth from the settings or the URL, never putting the password in errors', async () => {
    let seen = '';
    const url = await faultServer((body, req, res) => {
      seen = req.headers.authorization ?? '';
      if (seen !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      reply(res, body.method === 'getblockcount' ? 42 : null);
    });
    expect(await new BitcoinCoreRpc({ url, user: 'alice', password: 's3cret' }).getBlockCount()).toBe(42);
    const withCreds = new BitcoinCoreRpc({
      url: url.replace('http://', 'http://alice:s3cret@'),
      user: '',
      password: '',
    });
    expect(withCreds.url).toBe(url);
    expect(await withCreds.getBlockCount()).toBe(42);
    const err = await failure(
      new BitcoinCoreRpc({
        url: url.replace('http://', 'http://alice:wrong@'),
        user: '',
        password: '',
      }).getBlockCount(),
    );
    expect(err.code).toBe('chain-error');
    expect(err.context.reason).toBe('auth');
    expect(JSON.stringify(err.toJSON())).not.toContain('wrong');
  });

  it('maps node errors to rpc-error with the node code', async () => {
    const url = await faultServer((_b, _r, res) =>
      reply(res, null, { code: -32601, message: 'Method not found' }, 404),
    );
    const err = await failure(new BitcoinCoreRpc({ url, user: 'u', password: 'p' }).call('nosuch'));
    expect(err.code).toBe('rpc-error');
    expect(err.context).toMatchObject({ method: 'nosuch', rpcCode: -32601 });
  });

  it('maps unreachable, hung, garbage and malformed answers to chain-error', async () => {
    const closed = await faultServer(() => undefined);
    const dead = servers.pop()!;
    dead.closeAllConnections();
    await new Promise((r) => dead.close(r));
    expect(
      (await failure(new BitcoinCoreRpc({ url: closed, user: '', password: '' }).getBlockCount())).context.reason,
    ).toBe('unreachable');

    const hung = await faultServer(() => undefined);
    const t = await failure(new BitcoinCoreRpc({ url: hung, user: '', password: '', timeoutMs: 100 }).getBlockCount());
    expect([t.code, t.context.reason]).toEqual(['chain-error', 'timeout']);

    const garbage = await faultServer((_b, _r, res) => res.writeHead(200).end('<html>'));
    expect(
      (await failure(new BitcoinCoreRpc({ url: garbage, user: '', password: '' }).getBlockCount())).context.reason,
    ).toBe('bad-response');

    const notRpc = await faultServer((_b, _r, res) => res.writeHead(200).end('[1,2]'));
    expect((await failure(new BitcoinCoreRpc({ url: notRpc, user: '', password: '' }).getBlockCount())).code).toBe(
      'chain-error',
    );

    const wrongShape = await faultServer((_b, _r, res) => reply(res, 'forty-two'));
    const rpc = new BitcoinCoreRpc({ url: wrongShape, user: '', password: '' });
    for (const p of [rpc.getBlockCount(), rpc.getBlockHash(1), rpc.getBlockHex('00'.repeat(32)), rpc.getRawMempool()]) {
      expect((await failure(p)).code).toBe('chain-error');
    }
  });

  it('refuses a URL that is not http(s)', () => {
    for (const url of ['ws://127.0.0.1:1/', 'not a url', 'file:///etc/passwd']) {
      expect(() => new BitcoinCoreRpc({ url, user: '', password: '' })).toThrow(
        expect.objectContaining({ code: 'bad-config' }),
      );
    }
  });

  it('treats a txid the mempool does not hold as a refused broadcast', async () => {
    const txid = 'ab'.repeat(32);
    const url = await faultServer((b, _r, res) => {
      if (b.method === 'sendrawtransaction') reply(res, txid);
      else if (b.method === 'getrawmempool') reply(res, []);
      else reply(res, null, { code: -5, message: 'No such mempool transaction' }, 500);
    });
    const err = await failure(new BitcoinCoreRpc({ url, user: '', password: '' }).sendRawTransaction('00'));
    expect(err.code).toBe('chain-error');
    expect(err.context).toMatchObject({ txid, reason: 'not-in-mempool' });
  });

  it('reads estimatesmartfee in sat/kvB, or nothing when the node has no estimate', async () => {
    let answer: unknown = { feerate: 0.00012345, blocks: 6 };
    const url = await faultServer((_b, _r, res) => reply(res, answer));
    const rpc = new BitcoinCoreRpc({ url, user: '', password: '' });
    expect(await rpc.estimateFeeRate(6)).toBe(12_345n);
    answer = { fee: -1, blocks: 2 };
    expect(await rpc.estimateFeeRate(6)).toBeUndefined();
    answer = { errors: ['Insufficient data or no feerate found'], blocks: 0 };
    expect(await rpc.estimateFeeRate(6)).toBeUndefined();
  });
});

describe('btcToSats', () => {
  it('converts every satoshi amount exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), (sats) => {
        expect(btcToSats(Number(sats) / 1e8)).toBe(sats);
      }),
      { numRuns: 2000 },
    );
    expect(btcToSats(1e-8)).toBe(1n);
    expect(btcToSats(21_000_000)).toBe(2_100_000_000_000_000n);
  });

  it('refuses negative, non-finite and sub-satoshi values', () => {
    for (const v of [-1, Number.NaN, Infinity, 1e-9, 0.123456789, '1']) {
      expect(() => btcToSats(v)).toThrow(expect.objectContaining({ code: 'bad-amount' }));
    }
  });
});
