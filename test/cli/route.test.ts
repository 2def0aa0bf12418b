import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';
import { signEvent, getPublicKey } from '../../src/events/sign.ts';
import { parseOfferEvent } from '../../src/events/offer.ts';

const pk = (c: string): string => c.repeat(64);
const [A, B, C, PAYEE] = [pk('a'), pk('b'), pk('c'), pk('f')];
const USD = { unit: 'usd', notary: 'n1' };
const EUR = { unit: 'eur', notary: 'n1' };

function offersFile(): string {
  const dir = tmpDir();
  const file = join(dir, 'offers.json');
  writeFileSync(
    file,
    JSON.stringify({
      offers: [
        {
          pubkey: B,
          id: 'b-usd-eur',
          in: USD,
          out: EUR,
          rate: ['9', '10'],
          cut_ppm: '2500',
          fee: '3',
          min: '0',
          max: '100000',
          liquidity: '5000',
        },
        {
          pubkey: C,
          id: 'c-usd-eur',
          in: USD,
          out: EUR,
          rate: ['1', '1'],
          cut_ppm: '0',
          fee: '0',
          min: '0',
          max: '100000',
          liquidity: '700',
        },
      ],
      follows: { [A]: [B, C], [B]: [PAYEE], [C]: [PAYEE] },
      accepts: { [PAYEE]: [EUR] },
    }),
  );
  return file;
}

const base = (file: string, amount: string): string[] => [
  'route',
  '--offers',
  file,
  '--from',
  A,
  '--unit',
  'usd@n1',
  '--to',
  PAYEE,
  '--amount',
  amount,
];

describe('otp2p route (offline)', () => {
  it('prints the contractual JSON for the cheapest path', async () => {
    const r = await runCli([...base(offersFile(), '600'), '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toEqual([
      {
        spend: '600',
        receive: '600',
        parts: [
          {
            spend: '600',
            receive: '600',
            hops: [
              { from: A, to: C, unit: 'usd@n1', amount: '600', offer: 'c-usd-eur' },
              { from: C, to: PAYEE, unit: 'eur@n1', amount: '600', offer: null },
            ],
          },
        ],
      },
    ]);
  });

  it('splits into parts when one path is too small, and --parts 1 refuses', async () => {
    const file = offersFile();
    const r = await runCli([...base(file, '5500'), '--json']);
    expect(r.code).toBe(0);
    const out = r.json[0] as {
      spend: string;
      receive: string;
      parts: { receive: string; hops: { offer: string | null }[] }[];
    };
    expect(out.receive).toBe('5500');
    expect(out.parts.map((p) => [p.hops[0]!.offer, p.receive])).toEqual([
      ['c-usd-eur', '700'],
      ['b-usd-eur', '4800'],
    ]);
    // 700 + ceil(4803 * 10 * 1e6 / (9 * 997500)) = 700 + 5351
    expect(out.spend).toBe('6051');
    const one = await runCli([...base(file, '5500'), '--parts', '1', '--json']);
    expect(one.code).toBe(1);
    expect((one.json[0] as { error: { code: string } }).error.code).toBe('no-route');
  });

  it('never routes through an offer bound to someone else, even when it is the only cheap path', async () => {
    const file = join(tmpDir(), 'bound.json');
    writeFileSync(
      file,
      JSON.stringify({
        offers: [
          // C's cheap offer delivers only to B (say, the other side of a channel): never to the payee
          {
            pubkey: C,
            id: 'c-cheap',
            in: USD,
            out: EUR,
            rate: ['1', '1'],
            cut_ppm: '0',
            fee: '0',
            min: '0',
            max: '100000',
            liquidity: '5000',
            to: [B],
          },
          {
            pubkey: B,
            id: 'b-dear',
            in: USD,
            out: EUR,
            rate: ['1', '1'],
            cut_ppm: '0',
            fee: '40',
            min: '0',
            max: '100000',
            liquidity: '5000',
          },
        ],
        follows: { [A]: [B, C], [B]: [PAYEE], [C]: [PAYEE] },
        accepts: { [PAYEE]: [EUR] },
      }),
    );
    const r = await runCli([...base(file, '100'), '--json']);
    expect(r.code).toBe(0);
    const out = r.json[0] as { spend: string; parts: { hops: { offer: string | null }[] }[] };
    expect(out.parts.flatMap((p) => p.hops.map((h) => h.offer))).toEqual(['b-dear', null]);
    expect(out.spend).toBe('140');
    // a malformed counterparty is refused with the field named
    const badFile = join(tmpDir(), 'bad.json');
    writeFileSync(
      badFile,
      JSON.stringify({
        offers: [{ pubkey: C, id: 'x', in: USD, out: EUR, rate: ['1', '1'], max: '1', liquidity: '1', to: ['nothex'] }],
      }),
    );
    const bad = await runCli([...base(badFile, '1'), '--json']);
    expect(bad.code).toBe(2); // bad-key is a usage error
    expect(bad.json[0]).toEqual({
      error: expect.objectContaining({ code: 'bad-key', message: expect.stringContaining('offers[0].to[0]') }),
    });
  });

  it('pays directly by default, and --no-direct requires a follow for every transfer', async () => {
    const file = join(tmpDir(), 'direct.json');
    // the payer holds what the payee takes, but they share no follow
    writeFileSync(file, JSON.stringify({ offers: [], follows: { [A]: [B] }, accepts: { [PAYEE]: [USD] } }));
    const direct = await runCli([...base(file, '10'), '--json']);
    expect(direct.code).toBe(0);
    expect((direct.json[0] as { parts: { hops: unknown[] }[] }).parts[0]!.hops).toEqual([
      { from: A, to: PAYEE, unit: 'usd@n1', amount: '10', offer: null },
    ]);
    const none = await runCli([...base(file, '10'), '--no-direct', '--json']);
    expect(none.code).toBe(1);
    expect((none.json[0] as { error: { code: string } }).error.code).toBe('no-route');
    const help = await runCli(['route', '--help']);
    expect(help.stdout).toMatch(/--no-direct/);
    expect(help.stdout).toMatch(/Direct payment: a payer that holds a unit the payee accepts pays it directly/);
  });

  it('exits 1 with a no-route error when nothing fits', async () => {
    const file = offersFile();
    const r = await runCli([...base(file, '6000'), '--json']);
    expect(r.code).toBe(1);
    expect(r.json).toEqual([{ error: expect.objectContaining({ code: 'no-route' }) }]);
    const hops = await runCli([...base(file, '5'), '--max-hops', '1', '--json']);
    expect((hops.json[0] as { error: { code: string } }).error.code).toBe('no-route');
    const radius = await runCli([...base(file, '5'), '--max-degree', '1', '--json']);
    expect((radius.json[0] as { error: { code: string } }).error.code).toBe('no-route');
  });

  it('prints a readable table without --json', async () => {
    const r = await runCli(base(offersFile(), '600'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/part\s+hop\s+from\s+to\s+unit\s+amount\s+offer/);
    expect(r.stdout).toContain('c-usd-eur');
    expect(r.stdout).toContain('spend 600 base units of usd@n1, receive 600 base units of eur@n1, 1 part(s)');
  });

  it('rejects bad input with exact codes', async () => {
    const dir = tmpDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        offers: [{ pubkey: B, id: 'x', in: USD, out: EUR, rate: ['0', '1'], max: '1', liquidity: '1' }],
      }),
    );
    expect((await runCli([...base(bad, '1'), '--json'])).json[0]).toEqual({
      error: expect.objectContaining({ code: 'bad-rate' }),
    });
    writeFileSync(
      bad,
      JSON.stringify({
        offers: [{ pubkey: B, id: 'x', in: USD, out: EUR, rate: ['1', '1'], max: '-1', liquidity: '1' }],
      }),
    );
    expect((await runCli([...base(bad, '1'), '--json'])).json[0]).toEqual({
      error: expect.objectContaining({ code: 'bad-amount' }),
    });
    writeFileSync(bad, '{not json');
    expect((await runCli([...base(bad, '1'), '--json'])).json[0]).toEqual({
      error: expect.objectContaining({ code: 'bad-json' }),
    });
    const file = offersFile();
    const amt = await runCli([...base(file, '1.5'), '--json']);
    expect(amt.code).toBe(2);
    expect((amt.json[0] as { error: { code: string } }).error.code).toBe('bad-amount');
    expect((await runCli([...base(file, '1'), '--parts', '9'])).code).toBe(2);
    expect((await runCli(['route', '--to', PAYEE, '--amount', '1'])).code).toBe(2);
  });
});

describe('otp2p offer', () => {
  const SK = new Uint8Array(32).fill(9);
  const AUTHOR = getPublicKey(SK);

  it('add builds a valid offer event; list verifies and parses signed ones', async () => {
    const r = await runCli([
      'offer',
      'add',
      '--id',
      'o1',
      '--in',
      'usd@n1',
      '--out',
      'eur@n1',
      '--rate',
      '92/100',
      '--cut-ppm',
      '2500',
      '--fee',
      '1',
      '--max',
      '1000',
      '--liquidity',
      '5000',
      '--pubkey',
      AUTHOR,
      '--json',
    ]);
    expect(r.code).toBe(0);
    const template = r.json[0] as {
      kind: number;
      tags: string[][];
      created_at: number;
      content: string;
      pubkey: string;
    };
    expect(template.kind).toBe(31562);
    expect(template.pubkey).toBe(AUTHOR);
    const signed = signEvent(template, SK);
    expect(parseOfferEvent(signed, template.created_at).rateNum).toBe(92n);
    const dir = tmpDir();
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, `${JSON.stringify(signed)}\n${JSON.stringify({ ...signed, content: 'tampered' })}\n`);
    const list = await runCli(['offer', 'list', '--events', file, '--all', '--json']);
    expect(list.code).toBe(0);
    const out = list.json[0] as { offers: { id: string; rate: string[] }[]; rejected: { code: string }[] };
    expect(out.offers.map((o) => [o.id, o.rate])).toEqual([['o1', ['92', '100']]]);
    expect(out.rejected.map((x) => x.code)).toEqual(['bad-id']);
  });

  it('add rejects bad terms with exact codes; withdraw prints a deletion and a closed offer', async () => {
    const bad = await runCli([
      'offer',
      'add',
      '--id',
      'o1',
      '--in',
      'usd@n1',
      '--out',
      'eur@n1',
      '--rate',
      '0/1',
      '--max',
      '1',
      '--liquidity',
      '1',
      '--pubkey',
      AUTHOR,
      '--json',
    ]);
    // a rate the user typed is a usage error (exit 2); in a peer's event it stays bad-rate
    expect([bad.code, (bad.json[0] as { error: { code: string } }).error.code]).toEqual([2, 'usage']);
    const neg = await runCli([
      'offer',
      'add',
      '--id',
      'o1',
      '--in',
      'usd@n1',
      '--out',
      'eur@n1',
      '--rate',
      '1',
      '--max=-1',
      '--liquidity',
      '1',
      '--pubkey',
      AUTHOR,
      '--json',
    ]);
    expect((neg.json[0] as { error: { code: string } }).error.code).toBe('bad-amount');
    const w = await runCli(['offer', 'withdraw', '--id', 'o1', '--pubkey', AUTHOR, '--json']);
    expect(w.code).toBe(0);
    const [del, closed] = w.json as { kind: number; tags: string[][] }[];
    expect(del!.kind).toBe(5);
    expect(del!.tags).toContainEqual(['a', `31562:${AUTHOR}:o1`]);
    expect(closed!.kind).toBe(31562);
    expect(closed!.tags).toContainEqual(['status', 'closed']);
  });
});
