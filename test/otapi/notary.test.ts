import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { OtDataFolder } from '../../src/otapi/datafolder.ts';
import { SimulatedNotary, verifySimulatedMintSignature } from '../../src/otapi/notary.ts';
import { dearmor } from '../../src/otapi/armor.ts';
import { mintFingerprint } from '../../src/mint/fingerprint.ts';
import { tmpDir } from '../helpers/tmp.ts';

const seed = new Uint8Array(32).fill(9);

function open(ledgerPath: string, cheat?: Parameters<typeof SimulatedNotary.open>[0]['cheat']): SimulatedNotary {
  return SimulatedNotary.open({
    ledgerPath,
    seed,
    clock: new ManualClock(1_700_000_000_000),
    ...(cheat ? { cheat } : {}),
  });
}

describe('SimulatedNotary ledger', () => {
  it('executes a transfer exactly once per idempotency key, across a restart', async () => {
    const path = join(tmpDir(), 'ledger.sqlite');
    let notary = open(path);
    const unit = notary.units[0]!.id;
    const issuer = notary.openAccount('issuer', unit, 0n, true);
    const alice = notary.openAccount('alice', unit, 0n);
    const bob = notary.openAccount('bob', unit, 0n);
    notary.transfer({
      idempotencyKey: 'issue-0001',
      notaryId: notary.id,
      fromAccountId: issuer,
      toAccountId: alice,
      amount: 1000n,
    });
    const req = {
      idempotencyKey: 'pay-0000001',
      notaryId: notary.id,
      fromAccountId: alice,
      toAccountId: bob,
      amount: 300n,
    };
    const first = await notary.clientFor('alice').transfer(req);
    expect(first.fromBalanceAfter).toBe(700n);
    notary.close();
    notary = open(path);
    const retry = notary.transfer(req);
    expect(retry).toEqual(first);
    expect(notary.balance(alice)).toBe(700n);
    expect(notary.balance(bob)).toBe(300n);
    expect(notary.balance(issuer)).toBe(-1000n);
    expect(notary.transferCount()).toBe(2);
    expect(() => notary.transfer({ ...req, amount: 301n })).toThrow(
      expect.objectContaining({ code: 'idempotency-conflict' }),
    );
    notary.close();
  });

  it('refuses overdrafts, unknown accounts, bad amounts and foreign notaries with exact codes', async () => {
    const notary = open(':memory:');
    const unit = notary.units[0]!.id;
    const a = notary.openAccount('a', unit, 10n);
    const b = notary.openAccount('b', unit, 0n);
    const base = { idempotencyKey: 'key-000001', notaryId: notary.id, fromAccountId: a, toAccountId: b, amount: 11n };
    expect(() => notary.transfer(base)).toThrow(expect.objectContaining({ code: 'insufficient-funds' }));
    expect(() => notary.transfer({ ...base, toAccountId: 'nope' })).toThrow(
      expect.objectContaining({ code: 'unknown-account' }),
    );
    expect(() => notary.transfer({ ...base, amount: 0n })).toThrow(expect.objectContaining({ code: 'bad-amount' }));
    expect(() => notary.transfer({ ...base, notaryId: 'otxOther' })).toThrow(
      expect.objectContaining({ code: 'unknown-notary' }),
    );
    expect(() => notary.transfer({ ...base, idempotencyKey: 'short' })).toThrow(
      expect.objectContaining({ code: 'bad-input' }),
    );
    await expect(notary.clientFor('b').transfer(base)).rejects.toMatchObject({ code: 'unknown-account' });
    expect(notary.balance(a)).toBe(10n);
    expect(notary.transferCount()).toBe(0);
    notary.close();
  });
});

describe('SimulatedNotary mints', () => {
  it('signs its mints with a real Schnorr key that verifies, and a tampered body does not', () => {
    const notary = open(':memory:');
    const text = dearmor(notary.mintFileFor(notary.units[0]!.id, 'alice')).text;
    expect(verifySimulatedMintSignature(text, notary.publicKeyHex)).toBe(true);
    expect(verifySimulatedMintSignature(text.replace('series="0"', 'series="1"'), notary.publicKeyHex)).toBe(false);
    expect(verifySimulatedMintSignature(text, 'ab'.repeat(32))).toBe(false);
    notary.close();
  });

  it('writes folders in every layout that OtDataFolder parses to the same fingerprint', () => {
    const notary = open(':memory:');
    const fps = (['classic', 'v094', 'modern'] as const).map((layout) => {
      const dir = tmpDir();
      notary.writeClientFolder(dir, 'alice', layout);
      const scan = new OtDataFolder(dir).scan();
      expect(scan.errors).toEqual([]);
      expect(scan.layout).toBe(layout);
      return scan.mints.map((m) => mintFingerprint(m.mint));
    });
    expect(fps[0]).toEqual(fps[1]);
    expect(fps[1]).toEqual(fps[2]);
    notary.close();
  });

  it('cheats as told: targeted, buckets, unique mint, unique series, unique validity; rotates honestly', () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const notary = open(':memory:');
    const unit = notary.units[0]!.id;
    const fp = (u: string): string => mintFingerprint(notary.mintFor(unit, u));
    const distinct = (): number => new Set(users.map(fp)).size;
    expect(distinct()).toBe(1);
    notary.cheat = { kind: 'targeted', users: ['user-7'] };
    expect(distinct()).toBe(2);
    expect(fp('user-7')).not.toBe(fp('user-8'));
    notary.cheat = { kind: 'buckets', buckets: 5 };
    expect(distinct()).toBe(5);
    notary.cheat = { kind: 'unique-mint' };
    expect(distinct()).toBe(40);
    notary.cheat = { kind: 'unique-series' };
    expect(new Set(users.map((u) => notary.mintFor(unit, u).series)).size).toBe(40);
    notary.cheat = { kind: 'unique-validity' };
    expect(new Set(users.map((u) => notary.mintFor(unit, u).validFrom)).size).toBe(40);
    notary.cheat = { kind: 'honest' };
    const before = fp('user-1');
    expect(notary.rotate(unit)).toBe(1);
    expect(notary.mintFor(unit, 'user-1').series).toBe('1');
    expect(fp('user-1')).not.toBe(before);
    expect(distinct()).toBe(1);
    notary.close();
  });
});
