import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ManualClock } from '../../src/core/clock.ts';
import { armor, dearmor, packString, unpackString } from '../../src/otapi/armor.ts';
import { parseMintFile } from '../../src/otapi/files.ts';
import { SimulatedNotary } from '../../src/otapi/notary.ts';
import type { PublicMint } from '../../src/otapi/api.ts';
import { mintFingerprint, mintKey } from '../../src/mint/fingerprint.ts';
import { HAS_SHARED, SHARED_MISSING, sharedPath } from '../helpers/shared.ts';

const notary = SimulatedNotary.open({
  ledgerPath: ':memory:',
  seed: new Uint8Array(32).fill(5),
  clock: new ManualClock(),
});
const unit = notary.units[0]!.id;
const simMint = notary.mintFileFor(unit, 'alice');

/** Re-serialise a mint's inner text the way another OT build might. */
function reformat(inner: string, opts: { crlf: boolean; shuffle: number; indent: string; b64Width: number }): string {
  let text = inner.replace(/<mint\b([^>]*?)\s*>/, (_all, attrs: string) => {
    const list = [...attrs.matchAll(/(\w+)="([^"]*)"/g)].map((m) => `${m[1]}="${m[2]}"`);
    const rotated = list.slice(opts.shuffle % list.length).concat(list.slice(0, opts.shuffle % list.length));
    return `<mint ${rotated.join(`\n${opts.indent}`)}>`;
  });
  // Re-pack every mintPublicInfo at another zlib level and line width.
  text = text.replace(
    /(<mintPublicInfo denomination="\d+">)([\s\S]*?)(<\/mintPublicInfo>)/g,
    (_a, open: string, body: string, close: string) => {
      const packed = packString(unpackString(body), 1).replace(
        new RegExp(`(.{${opts.b64Width}})`, 'g'),
        `$1\n${opts.indent}`,
      );
      return `${open}\n${opts.indent}${packed}\n${close}`;
    },
  );
  return opts.crlf ? text.replace(/\n/g, '\r\n') : text;
}

function stabilityProperty(file: string): void {
  const inner = dearmor(file).text;
  const base = mintFingerprint(parseMintFile(file));
  fc.assert(
    fc.property(
      fc.record({
        level: fc.integer({ min: 0, max: 9 }),
        crlf: fc.boolean(),
        protobufWrap: fc.boolean(),
        shuffle: fc.nat(20),
        indent: fc.constantFrom('', ' ', '  ', '\t'),
        b64Width: fc.integer({ min: 16, max: 76 }),
        headers: fc.array(
          fc.tuple(fc.constantFrom('Version', 'Comment', 'Meta'), fc.stringMatching(/^[A-Za-z0-9 .]{0,30}$/)),
          { maxLength: 3 },
        ),
      }),
      (o) => {
        const text = reformat(inner, o);
        expect(text).not.toBe(inner);
        const rearmored = armor(text, 'MINT', {
          level: o.level,
          protobufWrap: o.protobufWrap,
          headers: o.headers,
          eol: o.crlf ? '\r\n' : '\n',
        });
        expect(mintFingerprint(parseMintFile(rearmored))).toBe(base);
      },
    ),
    { numRuns: 60 },
  );
}

describe('mint fingerprint stability', () => {
  it('is stable under re-armoring (zlib level, CRLF, headers, attribute order, whitespace, protobuf wrap)', () => {
    stabilityProperty(simMint);
  });

  it('is the same for a classic (Unix seconds, serverID) and a 0.94 (ISO, notaryID) copy of one mint', () => {
    expect(mintFingerprint(parseMintFile(notary.mintFileFor(unit, 'alice', 'classic')))).toBe(
      mintFingerprint(parseMintFile(simMint)),
    );
  });

  it.skipIf(!HAS_SHARED)(`is stable for the real 0.94 USD mint ${HAS_SHARED ? '' : SHARED_MISSING}`, () => {
    const real = readFileSync(
      sharedPath(
        'fixtures/ot/opentxs-sample-data/ot-sample-data/client_data/mints/otxExcN3REqYNrSHEbdsuD4YdQyzZv6CShD5/otxUzCCyxRBYZ5dQaqi5CrM2fikPxUcyxvfo',
      ),
      'utf8',
    );
    stabilityProperty(real);
    // Lucre hex in lower case is the same key.
    const inner = dearmor(real).text.replace(
      /(<mintPublicInfo denomination="1">)([\s\S]*?)(<\/mintPublicInfo>)/,
      (_a, o: string, b: string, c: string) => `${o}\n${packString(unpackString(b).toLowerCase())}\n${c}`,
    );
    expect(mintFingerprint(parseMintFile(armor(inner, 'MINT')))).toBe(mintFingerprint(parseMintFile(real)));
  });
});

describe('mint fingerprint sensitivity', () => {
  const base = parseMintFile(simMint);
  const fp = mintFingerprint(base);

  it('changes with any field that matters', () => {
    type Change = (m: PublicMint) => PublicMint;
    const changes: Record<string, Change> = {
      notary: (m) => ({ ...m, notaryId: `${m.notaryId}x` }),
      unit: (m) => ({ ...m, unitId: `${m.unitId}x` }),
      series: (m) => ({ ...m, series: String(Number(m.series) + 1) }),
      validFrom: (m) => ({ ...m, validFrom: m.validFrom + 1 }),
      validTo: (m) => ({ ...m, validTo: m.validTo - 1 }),
      expiration: (m) => ({ ...m, expiration: m.expiration + 1 }),
      signer: (m) => ({ ...m, signer: `${m.signer}x` }),
      mintPublicKey: (m) => ({ ...m, mintPublicKey: 'AAAA' }),
      dropDenomination: (m) => ({ ...m, denominations: m.denominations.slice(1) }),
      renameDenomination: (m) => ({
        ...m,
        denominations: m.denominations.map((d, i) => (i === 0 ? { ...d, value: d.value + 1000000n } : d)),
      }),
    };
    for (const [name, change] of Object.entries(changes)) expect(mintFingerprint(change(base)), name).not.toBe(fp);
  });

  it('changes when any hex digit of any denomination key changes (property)', () => {
    fc.assert(
      fc.property(
        fc.nat(base.denominations.length - 1),
        fc.nat(10_000),
        fc.constantFrom(...'0123456789ABCDEF'),
        (di, pos, digit) => {
          const d = base.denominations[di]!;
          const lines = d.keyText.split('\n');
          const li = lines.findIndex((l) => l.startsWith('public='));
          const line = lines[li]!;
          const at = 'public='.length + (pos % (line.length - 'public='.length));
          fc.pre(line[at] !== digit);
          lines[li] = line.slice(0, at) + digit + line.slice(at + 1);
          const changed: PublicMint = {
            ...base,
            denominations: base.denominations.map((x, i) => (i === di ? { ...x, keyText: lines.join('\n') } : x)),
          };
          expect(mintFingerprint(changed)).not.toBe(fp);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('differs between the mints a cheating notary serves, and between series', () => {
    notary.cheat = { kind: 'targeted', users: ['bob'] };
    expect(mintFingerprint(notary.mintFor(unit, 'bob'))).not.toBe(mintFingerprint(notary.mintFor(unit, 'carol')));
    expect(mintKey(notary.mintFor(unit, 'bob'))).toBe(mintKey(notary.mintFor(unit, 'carol')));
    notary.cheat = { kind: 'honest' };
  });
});
