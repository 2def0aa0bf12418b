import { resolve } from 'node:path';
import { OtP2pError, describeValue } from '../../core/errors.ts';
import {
  ensureAccount,
  initNotaryDir,
  ledgerAccounts,
  notaryUnit,
  openNotaryDir,
  parseUnitSpec,
} from '../../otapi/notary-dir.ts';
import type { SimulatedNotary } from '../../otapi/notary.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { Scales } from '../scale.ts';
import { amountOption, enumOption, listOption, requiredString, stringOption } from '../options.ts';

const DIR = { name: 'dir', description: 'the notary folder (notary.json + ledger.sqlite)', required: true };

function dirArg(ctx: CommandContext): string {
  return resolve(ctx.args.dir as string);
}

function withNotary<T>(ctx: CommandContext, fn: (n: SimulatedNotary) => T): T {
  const n = openNotaryDir(dirArg(ctx));
  try {
    return fn(n);
  } finally {
    n.close();
  }
}

function owner(ctx: CommandContext, required: boolean): string | undefined {
  const v = ctx.options.owner;
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > 200 || v.startsWith('issuer:')) {
    throw new OtP2pError(
      'usage',
      `--owner must be a name of 1..200 characters (not issuer:...), got ${describeValue(v)}`,
      { context: { option: 'owner' } },
    );
  }
  return v;
}

const init = defineCommand({
  name: 'init',
  description: 'Create a simulated OT notary in a folder that several processes can share',
  details:
    "A simulation for tests and local networks, named so: the folder holds the notary's signing seed.\n" +
    'Example: otp2p notary init ./n1 --name "Notary One" --unit USD --unit EUR:100 --json\n' +
    'JSON: { dir, id, name, units: [{ id, tla, factor, decimalPower }] }',
  positionals: [DIR],
  options: {
    name: { type: 'string', value: 'NAME', description: "the notary's name", default: 'Simulated notary' },
    unit: {
      type: 'string',
      value: 'TLA[:FACTOR]',
      multiple: true,
      description: 'a unit it issues (factor: base units per display unit, default 100)',
    },
    'id-style': {
      type: 'string',
      value: 'STYLE',
      default: 'otx',
      description: 'ID style: otx (OT 0.94+) or base62 (classic)',
    },
  },
  run: async (ctx) => {
    const units = (listOption(ctx, 'unit') ?? []).map(parseUnitSpec);
    if (units.length === 0)
      throw new OtP2pError('usage', 'give at least one --unit TLA[:FACTOR]', { context: { option: 'unit' } });
    const tlas = new Set<string>();
    for (const u of units) {
      if (tlas.has(u.tla))
        throw new OtP2pError('usage', `--unit ${u.tla} is given twice`, { context: { option: 'unit' } });
      tlas.add(u.tla);
    }
    const style = enumOption(ctx, 'id-style', ['otx', 'base62'] as const, 'otx');
    const name = stringOption(ctx, 'name') ?? 'Simulated notary';
    if (name.length > 200)
      throw new OtP2pError('usage', '--name must be 1..200 characters', { context: { option: 'name' } });
    const dir = dirArg(ctx);
    const n = initNotaryDir(dir, { name, units, idStyle: style });
    try {
      const out = {
        dir,
        id: n.id,
        name: n.name,
        units: n.units.map((u) => ({ id: u.id, tla: u.tla, factor: u.factor, decimalPower: u.decimalPower })),
      };
      if (ctx.json) return void printJson(ctx, out);
      ctx.io.stdout(`notary ${n.id} (${n.name}) in ${dir}\n`);
      printTable(
        ctx,
        ['unit', 'id', 'factor'],
        out.units.map((u) => [u.tla ?? '', u.id, String(u.factor)]),
      );
    } finally {
      n.close();
    }
  },
});

const account = defineCommand({
  name: 'account',
  description: "Open (or find) an owner's account for a unit, optionally funded from the unit's issuer account",
  details:
    'Funding is a real transfer from the issuer account (which may go negative, as in OT), so the ledger\n' +
    'always sums to zero. Example: otp2p notary account ./n1 --owner alice --unit USD --fund 100000 --json\n' +
    'JSON: { notary, owner, unit, unitId, account, created, balance }',
  positionals: [DIR],
  options: {
    owner: { type: 'string', value: 'NAME', description: 'the account owner (the otUser of that peer)' },
    unit: { type: 'string', value: 'TLA', description: 'the unit (TLA or unit ID)' },
    fund: { type: 'string', value: 'AMOUNT', description: 'issue this many base units into the account' },
  },
  run: async (ctx) => {
    const who = owner(ctx, true) as string;
    const unitText = requiredString(ctx, 'unit', 'TLA');
    const fund = amountOption(ctx, 'fund') ?? 0n;
    const out = withNotary(ctx, (n) => {
      const unitId = notaryUnit(n, unitText);
      const r = ensureAccount(n, who, unitId, fund);
      return {
        notary: n.id,
        owner: who,
        unit: n.units.find((u) => u.id === unitId)?.tla ?? unitText,
        unitId,
        account: r.account,
        created: r.created,
        balance: r.balance,
        scales: new Scales().addUnits(n.units),
      };
    });
    const { scales, ...json } = out;
    if (ctx.json) return void printJson(ctx, json);
    // --fund is in base units; the balance is shown in the unit's scale too (100000 is 1000.00 USD).
    const shown = scales.decimal(out.balance, { unit: out.unitId, notary: out.notary });
    ctx.io.stdout(
      `${out.created ? 'opened' : 'found'} account ${out.account} for ${who}: ${shown !== undefined ? `${shown} ${out.unit} (${out.balance} base units)` : `${out.balance} base units of ${out.unit}`}\n`,
    );
  },
});

const balance = defineCommand({
  name: 'balance',
  description: "Balances of the notary's accounts (all, or one owner's)",
  details:
    'JSON: { notary, accounts: [{ owner, unit, unitId, account, balance, issuer }], total: { TLA: sum } }\n(with every owner listed, each total is 0: issuer accounts balance the ledger)',
  positionals: [DIR],
  options: {
    owner: { type: 'string', value: 'NAME', description: "only this owner's accounts" },
  },
  run: async (ctx) => {
    const who = owner(ctx, false);
    const dir = dirArg(ctx);
    const out = withNotary(ctx, (n) => {
      const tla = (unitId: string): string => n.units.find((u) => u.id === unitId)?.tla ?? unitId;
      const accounts = ledgerAccounts(dir, who).map((a) => ({
        owner: a.owner,
        unit: tla(a.unitId),
        unitId: a.unitId,
        account: a.account,
        balance: a.balance,
        issuer: a.issuer,
      }));
      const total: Record<string, bigint> = {};
      for (const a of accounts) total[a.unit] = (total[a.unit] ?? 0n) + a.balance;
      return { notary: n.id, accounts, total, scales: new Scales().addUnits(n.units) };
    });
    const { scales, ...json } = out;
    if (ctx.json) return void printJson(ctx, json);
    if (out.accounts.length === 0) return void ctx.io.stdout('no accounts\n');
    // In the unit's own scale, as every amount a person reads (--json keeps base units).
    const shown = (a: (typeof out.accounts)[number]): string =>
      scales.decimal(a.balance, { unit: a.unitId, notary: out.notary }) ?? `${a.balance} base units`;
    printTable(
      ctx,
      ['owner', 'account', 'unit', 'balance', 'issuer'],
      out.accounts.map((a) => [a.owner, a.account, a.unit, shown(a), a.issuer ? 'yes' : '']),
    );
  },
});

const subs = { init, account, balance };

export default defineCommand({
  name: 'notary',
  description: 'Simulated OT notaries in folders, shared by several processes (tests and local networks)',
  subcommands: Object.fromEntries(
    Object.entries(subs).map(([name, def]) => [name, { summary: def.description, load: async () => def }]),
  ),
});
