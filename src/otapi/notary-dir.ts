/**
 * A `SimulatedNotary` kept in a folder, so several processes (the CLI, daemons, test children)
 * share one notary: `notary.json` holds what makes it the same notary (seed, name, units, ID
 * style, creation time) and `ledger.sqlite` its accounts and transfers.
 *
 * The ledger is SQLite in WAL mode (set by `SimulatedNotary`) and better-sqlite3 waits up to its
 * busy timeout (5 s by default) for another process's write lock; transfers take the write lock
 * up front (`BEGIN IMMEDIATE`), so concurrent processes serialise instead of failing.
 *
 * Still a simulation, named so: anyone who can read the folder holds the notary's signing seed.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bytesToHex, hexToBytes, isHex } from '../core/bytes.ts';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import { isRecord, parseJson } from '../core/json.ts';
import { SimulatedNotary } from './notary.ts';
import type { SimulatedUnit } from './notary.ts';

/** The file that describes the notary. */
export const NOTARY_FILE = 'notary.json';
/** The notary's ledger. */
export const LEDGER_FILE = 'ledger.sqlite';

/** The contents of `notary.json`. */
export interface NotaryDirConfig {
  /** 32-byte seed (hex) of the notary's keys: every process derives the same IDs and mints. */
  seed: string;
  name: string;
  units: Array<{ name: string; tla: string; factor: string; decimalPower: number }>;
  idStyle: 'otx' | 'base62';
  /** Unix milliseconds when the notary was created: the start of its first mint series. */
  createdAt: number;
}

/** Options for {@link initNotaryDir}. */
export interface InitNotaryDirOptions {
  name: string;
  /** At least one unit; TLAs must be distinct. */
  units: SimulatedUnit[];
  /** 32-byte seed; random when absent. */
  seed?: Uint8Array;
  idStyle?: 'otx' | 'base62';
  clock?: Clock;
}

const TLA_RE = /^[A-Za-z][A-Za-z0-9]{0,9}$/;

function badFile(path: string, what: string, value: unknown): never {
  throw new OtP2pError('bad-input', `${path}: ${what}, got ${describeValue(value)}`, { context: { file: path } });
}

/**
 * Parse and validate the text of `notary.json`.
 * @throws OtP2pError `bad-json` when not JSON, `bad-input` naming the bad field.
 */
export function parseNotaryConfig(text: string, path = NOTARY_FILE): NotaryDirConfig {
  const v = parseJson(text, path, 1 << 16);
  if (!isRecord(v)) badFile(path, 'must be a JSON object', v);
  if (!isHex(v.seed, 32))
    badFile(
      path,
      'seed must be 64 hex characters',
      typeof v.seed === 'string' ? `${v.seed.length} characters` : v.seed,
    );
  if (typeof v.name !== 'string' || v.name.length === 0 || v.name.length > 200)
    badFile(path, 'name must be a string of 1..200 characters', v.name);
  if (v.idStyle !== 'otx' && v.idStyle !== 'base62') badFile(path, 'idStyle must be otx or base62', v.idStyle);
  if (typeof v.createdAt !== 'number' || !Number.isSafeInteger(v.createdAt) || v.createdAt < 0)
    badFile(path, 'createdAt must be a non-negative integer', v.createdAt);
  if (!Array.isArray(v.units) || v.units.length === 0 || v.units.length > 100)
    badFile(path, 'units must be an array of 1..100 units', v.units);
  const seen = new Set<string>();
  const units = v.units.map((u: unknown, i: number) => {
    if (!isRecord(u)) badFile(path, `units[${i}] must be an object`, u);
    if (typeof u.tla !== 'string' || !TLA_RE.test(u.tla))
      badFile(path, `units[${i}].tla must be 1..10 letters or digits`, u.tla);
    if (seen.has(u.tla.toUpperCase())) badFile(path, `units[${i}].tla is a duplicate`, u.tla);
    seen.add(u.tla.toUpperCase());
    if (typeof u.name !== 'string' || u.name.length > 200) badFile(path, `units[${i}].name must be a string`, u.name);
    if (typeof u.factor !== 'string' || !/^[1-9][0-9]{0,18}$/.test(u.factor))
      badFile(path, `units[${i}].factor must be a positive integer string`, u.factor);
    if (
      typeof u.decimalPower !== 'number' ||
      !Number.isInteger(u.decimalPower) ||
      u.decimalPower < 0 ||
      u.decimalPower > 18
    ) {
      badFile(path, `units[${i}].decimalPower must be an integer in 0..18`, u.decimalPower);
    }
    return { name: u.name, tla: u.tla, factor: u.factor, decimalPower: u.decimalPower };
  });
  return { seed: v.seed, name: v.name, units, idStyle: v.idStyle, createdAt: v.createdAt };
}

/**
 * Parse a unit given on the command line: `TLA` or `TLA:FACTOR` (base units per display unit,
 * default 100; decimal places follow a power-of-ten factor).
 * @throws OtP2pError `usage` naming the bad text.
 */
export function parseUnitSpec(text: string): SimulatedUnit {
  const m = /^([A-Za-z][A-Za-z0-9]{0,9})(?::([1-9][0-9]{0,18}))?$/.exec(text);
  if (!m)
    throw new OtP2pError(
      'usage',
      `--unit must be TLA or TLA:FACTOR (e.g. USD or USD:100), got ${describeValue(text)}`,
      { context: { option: 'unit' } },
    );
  const tla = (m[1] as string).toUpperCase();
  const factor = BigInt(m[2] ?? '100');
  const digits = factor.toString();
  const decimalPower = /^10*$/.test(digits) ? digits.length - 1 : 0;
  return { name: tla, tla, factor, decimalPower };
}

function configPath(dir: string): string {
  return join(dir, NOTARY_FILE);
}

/**
 * Create a notary folder and open it. Refuses a folder that already holds a notary.
 * @throws OtP2pError `bad-input` (no units, duplicate TLAs, bad seed, folder already a notary), `io-error`, `db-error`.
 */
export function initNotaryDir(dir: string, options: InitNotaryDirOptions): SimulatedNotary {
  if (existsSync(configPath(dir)))
    throw new OtP2pError('bad-input', `${dir} already holds a simulated notary (${NOTARY_FILE})`, { context: { dir } });
  const seed = options.seed ?? new Uint8Array(randomBytes(32));
  if (seed.length !== 32) throw new OtP2pError('bad-input', `notary seed must be 32 bytes, got ${seed.length}`);
  const config: NotaryDirConfig = {
    seed: bytesToHex(seed),
    name: options.name,
    units: options.units.map((u) => ({
      name: u.name,
      tla: u.tla,
      factor: u.factor.toString(),
      decimalPower: u.decimalPower,
    })),
    idStyle: options.idStyle ?? 'otx',
    createdAt: (options.clock ?? systemClock).now(),
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  parseNotaryConfig(text, configPath(dir));
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(configPath(dir), text, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw new OtP2pError(
      'io-error',
      `cannot write ${configPath(dir)}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
      { context: { dir }, cause },
    );
  }
  return openNotaryDir(dir, options.clock ? { clock: options.clock } : {});
}

/** Read a notary folder's `notary.json`. @throws OtP2pError `not-found`, `io-error`, `bad-json`, `bad-input`. */
export function readNotaryConfig(dir: string): NotaryDirConfig {
  const path = configPath(dir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new OtP2pError(
        'not-found',
        `no simulated notary in ${dir} (${NOTARY_FILE} missing; create one with otp2p notary init)`,
        { context: { dir } },
      );
    throw new OtP2pError('io-error', `cannot read ${path}: ${code ?? 'error'}`, { context: { dir }, cause });
  }
  return parseNotaryConfig(text, path);
}

/**
 * Open the notary a folder holds. Every process that opens the same folder gets the same notary
 * ID, unit IDs and mints (the mint series starts at `createdAt`, not at open time), over the same
 * ledger.
 * @throws OtP2pError as {@link readNotaryConfig}, `db-error` when the ledger cannot be opened.
 */
export function openNotaryDir(dir: string, options: { clock?: Clock } = {}): SimulatedNotary {
  const config = readNotaryConfig(dir);
  const clock = options.clock ?? systemClock;
  // SimulatedNotary reads the clock once while constructing, to start each unit's first series;
  // answering that one read with the creation time makes every process serve identical mints.
  let first = true;
  const seriesClock: Clock = {
    now: () => {
      if (first) {
        first = false;
        return config.createdAt;
      }
      return clock.now();
    },
  };
  return SimulatedNotary.open({
    ledgerPath: join(dir, LEDGER_FILE),
    seed: hexToBytes(config.seed, 'seed', 32),
    name: config.name,
    idStyle: config.idStyle,
    clock: seriesClock,
    units: config.units.map((u) => ({
      name: u.name,
      tla: u.tla,
      factor: BigInt(u.factor),
      decimalPower: u.decimalPower,
    })),
  });
}

/**
 * The unit a notary issues under `tlaOrId` (TLA, case-insensitive, or unit ID).
 * @throws OtP2pError `unknown-unit`.
 */
export function notaryUnit(notary: SimulatedNotary, tlaOrId: string): string {
  const u = notary.units.find((x) => x.id === tlaOrId || x.tla?.toLowerCase() === tlaOrId.toLowerCase());
  if (!u)
    throw new OtP2pError(
      'unknown-unit',
      `notary ${notary.name} issues no unit ${describeValue(tlaOrId)}; it issues ${notary.units.map((x) => x.tla).join(', ')}`,
      { context: { unit: tlaOrId } },
    );
  return u.id;
}

/** The issuer owner name for a unit: its account may go negative, so the ledger always sums to zero. */
export function issuerOwner(tla: string): string {
  return `issuer:${tla.toUpperCase()}`;
}

/**
 * The (first) simple account `owner` holds in `unitId`, opening it when absent, and funded with
 * `fund` from the unit's issuer account (a real transfer, so the ledger sums to zero). The funding
 * transfer's idempotency key is `fundKey` when given (so a retried command funds once).
 * @throws OtP2pError `unknown-unit`, `bad-amount`, `idempotency-conflict`.
 */
export function ensureAccount(
  notary: SimulatedNotary,
  owner: string,
  unitId: string,
  fund = 0n,
  fundKey?: string,
): { account: string; created: boolean; balance: bigint } {
  if (owner.length === 0 || owner.length > 200 || owner.startsWith('issuer:')) {
    throw new OtP2pError(
      'usage',
      `owner must be 1..200 characters and not start with issuer:, got ${describeValue(owner)}`,
      { context: { option: 'owner' } },
    );
  }
  if (fund < 0n) throw new OtP2pError('bad-amount', `fund must not be negative, got ${fund}`);
  const tla = notary.units.find((u) => u.id === unitId)?.tla ?? unitId;
  let account = notary.accounts(owner).find((a) => a.unitId === unitId && a.type !== 'issuer')?.id;
  const created = account === undefined;
  account ??= notary.openAccount(owner, unitId);
  if (fund > 0n) {
    const issuerName = issuerOwner(tla);
    const issuer =
      notary.accounts(issuerName).find((a) => a.unitId === unitId)?.id ??
      notary.openAccount(issuerName, unitId, 0n, true);
    notary.transfer({
      idempotencyKey: fundKey ?? `fund:${account}:${bytesToHex(new Uint8Array(randomBytes(12)))}`,
      notaryId: notary.id,
      fromAccountId: issuer,
      toAccountId: account,
      amount: fund,
      memo: 'issue',
    });
  }
  return { account, created, balance: notary.balance(account) };
}

/** An account of a notary folder's ledger, with its owner. */
export interface LedgerAccount {
  owner: string;
  account: string;
  unitId: string;
  balance: bigint;
  issuer: boolean;
}

/**
 * Every account in a notary folder's ledger with its owner (optionally one owner's), read-only.
 * `SimulatedNotary.accounts` leaves owners out, as an OT client's account list would.
 * @throws OtP2pError `db-error` when the ledger cannot be read.
 */
export function ledgerAccounts(dir: string, owner?: string): LedgerAccount[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(join(dir, LEDGER_FILE), { readonly: true, fileMustExist: true });
    const sql =
      'SELECT id, owner, unit_id, balance, issuer FROM sim_accounts' +
      (owner === undefined ? '' : ' WHERE owner = ?') +
      ' ORDER BY owner, unit_id, id';
    const rows = (owner === undefined ? db.prepare(sql).all() : db.prepare(sql).all(owner)) as Array<{
      id: string;
      owner: string;
      unit_id: string;
      balance: string;
      issuer: number;
    }>;
    return rows.map((r) => ({
      owner: r.owner,
      account: r.id,
      unitId: r.unit_id,
      balance: BigInt(r.balance),
      issuer: r.issuer === 1,
    }));
  } catch (cause) {
    throw new OtP2pError('db-error', `cannot read the ledger in ${dir}`, { context: { dir }, cause });
  } finally {
    db?.close();
  }
}
