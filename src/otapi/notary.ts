/**
 * `SimulatedNotary`: an in-process stand-in for an OT notary, for tests, benchmarks and the demo.
 * It is a simulation, named so: it keeps accounts in its own SQLite ledger file, executes
 * transfers exactly once per idempotency key, and issues public mints in OT's armored signed
 * format, signed with a real secp256k1 Schnorr key. Its per-denomination keys are secp256k1
 * points in Lucre's `g=/p=/public=` text layout (not Lucre itself): `OtDataFolder` parses them like
 * any other mint, which is all mint transparency needs.
 *
 * It can be told to cheat, which is what the mint-transparency layer must catch: a unique mint per
 * user, a per-user series or validity window, B buckets of users, or a targeted set of users.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as secp from 'tiny-secp256k1';
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type {
  AccountInfo,
  NotaryInfo,
  OtApi,
  OtLayout,
  PublicMint,
  TransferReceipt,
  TransferRequest,
  UnitDefinition,
} from './api.ts';
import { armor, packString } from './armor.ts';
import { parseMintFile } from './files.ts';
import { base62Id, otId as otIdOf } from './ids.ts';
import { parseSignedContract } from './signed.ts';

/** How the simulated notary (mis)behaves when serving mints. */
export type CheatMode =
  | { kind: 'honest' }
  /** These users each get their own mint; everybody else the honest one. */
  | { kind: 'targeted'; users: string[] }
  /** Every user gets a different mint for the same series. */
  | { kind: 'unique-mint' }
  /** Every user gets a mint with a series of their own. */
  | { kind: 'unique-series' }
  /** Every user gets the same keys but a validity window of their own. */
  | { kind: 'unique-validity' }
  /** Users are split into `buckets` groups by a hash of their ID; each group gets its own mint. */
  | { kind: 'buckets'; buckets: number };

/** A unit the notary issues. */
export interface SimulatedUnit {
  name: string;
  tla: string;
  factor: bigint;
  decimalPower: number;
  denominations?: bigint[];
}

/** Options for {@link SimulatedNotary.open}. */
export interface SimulatedNotaryOptions {
  /** The ledger file (`:memory:` for throwaway use). */
  ledgerPath: string;
  /** 32-byte seed for the notary's keys (deterministic simulations); random when absent. */
  seed?: Uint8Array;
  name?: string;
  units?: SimulatedUnit[];
  cheat?: CheatMode;
  clock?: Clock;
  /** Mint validity in seconds (default 180 days; expiration is half of it). */
  validitySeconds?: number;
  /** ID style: 0.94 `otx...` (default) or classic 43-character base62. */
  idStyle?: 'otx' | 'base62';
}

const DEFAULT_DENOMS = [1n, 5n, 10n, 25n, 100n, 500n, 1000n, 10000n];

function h(...parts: Array<string | Uint8Array>): Uint8Array {
  const hash = createHash('sha256');
  for (const p of parts) {
    hash.update(p);
    hash.update('\0');
  }
  return new Uint8Array(hash.digest());
}

function scalarFrom(...parts: Array<string | Uint8Array>): Uint8Array {
  let s = h(...parts);
  while (!secp.isPrivate(s)) s = h(s);
  return s;
}

function userHash(user: string): number {
  return Buffer.from(h('user', user)).readUInt32BE(0);
}

const SECP_P = 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F';
const SECP_G = '0279BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798';

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}

interface ReceiptRow {
  request_hash: string;
  receipt: string;
}

/** An in-process simulated OT notary. See the module comment. */
export class SimulatedNotary {
  readonly id: string;
  readonly name: string;
  /** The notary nym's x-only public key (hex): verifies its mint signatures. */
  readonly publicKeyHex: string;
  /** The notary nym's ID (the mint's `serverNymID`). */
  readonly nymId: string;
  readonly units: UnitDefinition[];
  cheat: CheatMode;
  readonly #db: Database.Database;
  readonly #seed: Uint8Array;
  readonly #secret: Uint8Array;
  readonly #clock: Clock;
  readonly #validity: number;
  readonly #denoms = new Map<string, bigint[]>();
  readonly #newId: (material: string) => string;
  /** Signed mint files by (unit, series, variant, validity, layout): signing is the costly part. */
  readonly #mintCache = new Map<string, string>();
  /** Current series and its start time, per unit. */
  readonly #series = new Map<string, { series: number; start: number }>();

  private constructor(options: SimulatedNotaryOptions, seed: Uint8Array) {
    this.#seed = seed;
    this.#clock = options.clock ?? systemClock;
    this.#validity = options.validitySeconds ?? 180 * 86400;
    this.#secret = scalarFrom(seed, 'notary-nym');
    const otId = options.idStyle === 'base62' ? base62Id : otIdOf;
    this.publicKeyHex = Buffer.from(secp.xOnlyPointFromScalar(this.#secret)).toString('hex');
    this.#newId = otId;
    this.nymId = otId(`nym:${this.publicKeyHex}`);
    this.id = otId(`notary:${this.publicKeyHex}`);
    this.name = options.name ?? 'Simulated notary';
    this.cheat = options.cheat ?? { kind: 'honest' };
    const start = Math.floor(this.#clock.now() / 1000);
    this.units = (options.units ?? [{ name: 'US Dollars', tla: 'USD', factor: 100n, decimalPower: 2 }]).map((u) => {
      const id = otId(`unit:${this.publicKeyHex}:${u.tla}`);
      this.#denoms.set(id, u.denominations ?? DEFAULT_DENOMS);
      this.#series.set(id, { series: 0, start });
      return { id, name: u.name, tla: u.tla, factor: u.factor, decimalPower: u.decimalPower };
    });
    try {
      this.#db = new Database(options.ledgerPath);
    } catch (cause) {
      throw new OtP2pError('db-error', `cannot open the simulated notary ledger ${options.ledgerPath}`, { cause });
    }
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS sim_accounts (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, unit_id TEXT NOT NULL,
        balance TEXT NOT NULL, issuer INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS sim_transfers (
        idempotency_key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, receipt TEXT NOT NULL);
    `);
  }

  /**
   * Open (or create) a simulated notary with its ledger.
   * @throws OtP2pError `db-error` when the ledger file cannot be opened, `bad-input` for a bad seed.
   */
  static open(options: SimulatedNotaryOptions): SimulatedNotary {
    const seed =
      options.seed ??
      new Uint8Array(
        createHash('sha256')
          .update(String(Math.random()) + String(Date.now()))
          .digest(),
      );
    if (seed.length !== 32) throw new OtP2pError('bad-input', `notary seed must be 32 bytes, got ${seed.length}`);
    return new SimulatedNotary(options, seed);
  }

  /** Close the ledger. */
  close(): void {
    this.#db.close();
  }

  /** The notary as `NotaryInfo`. */
  info(): NotaryInfo {
    return { id: this.id, name: this.name, hostname: '127.0.0.1' };
  }

  #unit(unitId: string): UnitDefinition {
    const u = this.units.find((x) => x.id === unitId);
    if (!u)
      throw new OtP2pError('unknown-unit', `unit ${describeValue(unitId)} is not issued by notary ${this.id}`, {
        context: { unitId },
      });
    return u;
  }

  /** Start a new series for `unitId` (an honest key rotation), valid from now. */
  rotate(unitId: string): number {
    this.#unit(unitId);
    const cur = this.#series.get(unitId) ?? { series: 0, start: 0 };
    const next = { series: cur.series + 1, start: Math.floor(this.#clock.now() / 1000) };
    this.#series.set(unitId, next);
    return next.series;
  }

  /** The current honest series of a unit. */
  currentSeries(unitId: string): number {
    return this.#series.get(unitId)?.series ?? 0;
  }

  /**
   * Which mint variant `user` is served under the current cheat mode: 0 is the honest mint.
   * Exposed so simulations know the ground truth.
   */
  variantFor(user: string): { variant: number; seriesOffset: number; validityShift: number } {
    const c = this.cheat;
    switch (c.kind) {
      case 'honest':
        return { variant: 0, seriesOffset: 0, validityShift: 0 };
      case 'targeted': {
        const i = c.users.indexOf(user);
        return { variant: i < 0 ? 0 : i + 1, seriesOffset: 0, validityShift: 0 };
      }
      case 'unique-mint':
        return { variant: 1 + (userHash(user) % 1_000_000), seriesOffset: 0, validityShift: 0 };
      case 'unique-series':
        return { variant: 0, seriesOffset: 1000 + (userHash(user) % 1_000_000), validityShift: 0 };
      case 'unique-validity':
        return { variant: 0, seriesOffset: 0, validityShift: 1 + (userHash(user) % 86_400) };
      case 'buckets':
        return { variant: userHash(user) % Math.max(1, c.buckets), seriesOffset: 0, validityShift: 0 };
    }
  }

  /**
   * The armored public mint `user` is served for `unitId`, in the given layout's format.
   * @throws OtP2pError `unknown-unit`.
   */
  mintFileFor(unitId: string, user: string, layout: OtLayout = 'v094'): string {
    this.#unit(unitId);
    const cur = this.#series.get(unitId) ?? { series: 0, start: 0 };
    const v = this.variantFor(user);
    const series = cur.series + v.seriesOffset;
    const validFrom = cur.start + v.validityShift;
    const validTo = validFrom + this.#validity;
    const expiration = validFrom + Math.floor(this.#validity / 2);
    const cacheKey = `${unitId}|${series}|${v.variant}|${validFrom}|${layout}`;
    const cached = this.#mintCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const classic = layout === 'classic';
    const time = (s: number): string => (classic ? String(s) : isoTime(s));
    const attrs = classic
      ? `serverID="${this.id}"\n serverNymID="${this.nymId}"\n assetTypeID="${unitId}"`
      : `notaryID="${this.id}"\n serverNymID="${this.nymId}"\n instrumentDefinitionID="${unitId}"`;
    const cash = this.#newId(`cash:${this.publicKeyHex}:${unitId}`);
    const parts = [
      `<mint version="2.0"\n ${attrs}\n cashAcctID="${cash}"\n series="${series}"\n expiration="${time(expiration)}"\n validFrom="${time(validFrom)}"\n validTo="${time(validTo)}" >`,
      '',
    ];
    for (const d of this.#denoms.get(unitId) ?? DEFAULT_DENOMS) {
      const sk = scalarFrom(this.#seed, 'denomination', unitId, String(series), String(v.variant), d.toString());
      const pub = Buffer.from(secp.pointFromScalar(sk, true) as Uint8Array)
        .toString('hex')
        .toUpperCase();
      const keyText = `g=${SECP_G}\np=${SECP_P}\npublic=${pub}\n`;
      const packed = packString(keyText)
        .replace(/(.{64})/g, '$1\n')
        .trim();
      parts.push(`<mintPublicInfo denomination="${d}">\n${packed}\n</mintPublicInfo>`, '');
    }
    parts.push('</mint>');
    const body = parts.join('\n');
    const sig = secp.signSchnorr(h('ot-mint', body), this.#secret, h('aux', body));
    const sigB64 = Buffer.from(sig).toString('base64');
    const signed = [
      '-----BEGIN SIGNED MINT-----',
      `Hash: ${classic ? 'SAMY' : 'HASH256'}`,
      '',
      body,
      '-----BEGIN MINT SIGNATURE-----',
      'Version: otp2p SimulatedNotary',
      'Meta:    SCHN',
      '',
      sigB64,
      '-----END MINT SIGNATURE-----',
      '',
    ].join('\n');
    const file = armor(signed, 'MINT', {
      protobufWrap: classic,
      headers: [['Version', classic ? 'Open Transactions 0.93 (otp2p simulation)' : 'otp2p SimulatedNotary']],
    });
    if (this.#mintCache.size > 10_000) this.#mintCache.clear();
    this.#mintCache.set(cacheKey, file);
    return file;
  }

  /** The parsed public mint `user` is served. @throws OtP2pError `unknown-unit`. */
  mintFor(unitId: string, user: string): PublicMint {
    return parseMintFile(this.mintFileFor(unitId, user));
  }

  /**
   * Open an account for `owner`. `issuer` accounts may go negative (OT issuer accounts do).
   * @throws OtP2pError `unknown-unit`.
   */
  openAccount(owner: string, unitId: string, initialBalance = 0n, issuer = false): string {
    this.#unit(unitId);
    const id = this.#newId(
      `acct:${this.publicKeyHex}:${owner}:${unitId}:${this.#db.prepare('SELECT count(*) AS n FROM sim_accounts').pluck().get() as number}`,
    );
    this.#db
      .prepare('INSERT INTO sim_accounts (id, owner, unit_id, balance, issuer) VALUES (?, ?, ?, ?, ?)')
      .run(id, owner, unitId, initialBalance.toString(), issuer ? 1 : 0);
    return id;
  }

  /** Accounts, optionally only those of `owner`. */
  accounts(owner?: string): AccountInfo[] {
    const rows = (
      owner === undefined
        ? this.#db.prepare('SELECT * FROM sim_accounts').all()
        : this.#db.prepare('SELECT * FROM sim_accounts WHERE owner = ?').all(owner)
    ) as Array<{ id: string; owner: string; unit_id: string; balance: string; issuer: number }>;
    return rows.map((r) => ({
      id: r.id,
      notaryId: this.id,
      unitId: r.unit_id,
      balance: BigInt(r.balance),
      type: r.issuer ? 'issuer' : 'simple',
    }));
  }

  /** @throws OtP2pError `unknown-account`. */
  balance(accountId: string): bigint {
    const row = this.#db.prepare('SELECT balance FROM sim_accounts WHERE id = ?').pluck().get(accountId) as
      | string
      | undefined;
    if (row === undefined)
      throw new OtP2pError('unknown-account', `no account ${describeValue(accountId)} on notary ${this.id}`, {
        context: { accountId },
      });
    return BigInt(row);
  }

  /** How many transfers were executed (each idempotency key counts once). */
  transferCount(): number {
    return this.#db.prepare('SELECT count(*) FROM sim_transfers').pluck().get() as number;
  }

  /**
   * Execute a transfer exactly once per idempotency key, in one SQLite transaction (synchronous=FULL).
   * A retry with the same key and the same request returns the original receipt; the same key with
   * a different request is refused.
   * @throws OtP2pError `bad-input`, `unknown-notary`, `unknown-account`, `insufficient-funds`, `idempotency-conflict`.
   */
  transfer(req: TransferRequest): TransferReceipt {
    if (typeof req.idempotencyKey !== 'string' || req.idempotencyKey.length < 8 || req.idempotencyKey.length > 200) {
      throw new OtP2pError(
        'bad-input',
        `idempotencyKey must be 8..200 characters, got ${describeValue(req.idempotencyKey)}`,
      );
    }
    if (typeof req.amount !== 'bigint' || req.amount <= 0n)
      throw new OtP2pError('bad-amount', `transfer amount must be a positive bigint, got ${describeValue(req.amount)}`);
    if (req.notaryId !== this.id)
      throw new OtP2pError(
        'unknown-notary',
        `transfer names notary ${describeValue(req.notaryId)}, this is ${this.id}`,
      );
    if (req.fromAccountId === req.toAccountId) throw new OtP2pError('bad-input', 'transfer from an account to itself');
    const requestHash = Buffer.from(
      h('transfer', req.notaryId, req.fromAccountId, req.toAccountId, req.amount.toString(), req.memo ?? ''),
    ).toString('hex');
    const run = this.#db.transaction((): TransferReceipt => {
      const prior = this.#db
        .prepare('SELECT request_hash, receipt FROM sim_transfers WHERE idempotency_key = ?')
        .get(req.idempotencyKey) as ReceiptRow | undefined;
      if (prior) {
        if (prior.request_hash !== requestHash) {
          throw new OtP2pError(
            'idempotency-conflict',
            `idempotency key ${describeValue(req.idempotencyKey)} was used for a different transfer`,
          );
        }
        return decodeReceipt(prior.receipt);
      }
      type Row = { id: string; unit_id: string; balance: string; issuer: number };
      const get = this.#db.prepare('SELECT id, unit_id, balance, issuer FROM sim_accounts WHERE id = ?');
      const from = get.get(req.fromAccountId) as Row | undefined;
      const to = get.get(req.toAccountId) as Row | undefined;
      if (!from)
        throw new OtP2pError('unknown-account', `no account ${describeValue(req.fromAccountId)}`, {
          context: { accountId: req.fromAccountId },
        });
      if (!to)
        throw new OtP2pError('unknown-account', `no account ${describeValue(req.toAccountId)}`, {
          context: { accountId: req.toAccountId },
        });
      if (from.unit_id !== to.unit_id)
        throw new OtP2pError('bad-input', `accounts hold different units (${from.unit_id}, ${to.unit_id})`);
      const fromAfter = BigInt(from.balance) - req.amount;
      if (fromAfter < 0n && !from.issuer) {
        throw new OtP2pError(
          'insufficient-funds',
          `account ${req.fromAccountId} holds ${from.balance}, transfer needs ${req.amount}`,
          { context: { accountId: req.fromAccountId } },
        );
      }
      const set = this.#db.prepare('UPDATE sim_accounts SET balance = ? WHERE id = ?');
      set.run(fromAfter.toString(), from.id);
      set.run((BigInt(to.balance) + req.amount).toString(), to.id);
      const receipt: TransferReceipt = {
        idempotencyKey: req.idempotencyKey,
        transferId: Buffer.from(h('transfer-id', this.id, req.idempotencyKey))
          .toString('hex')
          .slice(0, 32),
        notaryId: this.id,
        unitId: from.unit_id,
        fromAccountId: from.id,
        toAccountId: to.id,
        amount: req.amount,
        executedAt: this.#clock.now(),
        fromBalanceAfter: fromAfter,
      };
      this.#db
        .prepare('INSERT INTO sim_transfers (idempotency_key, request_hash, receipt) VALUES (?, ?, ?)')
        .run(req.idempotencyKey, requestHash, encodeReceipt(receipt));
      return receipt;
    });
    return run.immediate();
  }

  /** The `OtApi` view of one user (nym) of this notary. */
  clientFor(user: string): OtApi {
    return {
      listNotaries: async () => [this.info()],
      listUnits: async () => this.units,
      listMints: async () => this.units.map((u) => this.mintFor(u.id, user)),
      getMint: async (notaryId, unitId) =>
        notaryId === this.id && this.units.some((u) => u.id === unitId) ? this.mintFor(unitId, user) : undefined,
      listAccounts: async () => this.accounts(user),
      getBalance: async (accountId) => {
        if (!this.accounts(user).some((a) => a.id === accountId))
          throw new OtP2pError('unknown-account', `user has no account ${describeValue(accountId)}`);
        return this.balance(accountId);
      },
      transfer: async (req) => {
        if (!this.accounts(user).some((a) => a.id === req.fromAccountId)) {
          throw new OtP2pError('unknown-account', `user has no account ${describeValue(req.fromAccountId)}`);
        }
        return this.transfer(req);
      },
    };
  }

  /**
   * Write a client data folder for `user` in the given layout (mints only, plus wallet.xml for
   * classic and 0.94): what an OT wallet of that generation would hold.
   */
  writeClientFolder(dir: string, user: string, layout: OtLayout): void {
    const mintDir = join(dir, 'client_data', layout === 'modern' ? 'mint' : 'mints', this.id);
    mkdirSync(mintDir, { recursive: true });
    for (const u of this.units) writeFileSync(join(mintDir, u.id), this.mintFileFor(u.id, user, layout));
    if (layout === 'modern') return;
    const classic = layout === 'classic';
    const lines = [`<wallet name="" version="${classic ? '1.0' : '2.0'}">`, ''];
    lines.push(
      `<notaryProvider name="${packString(this.name)}"\n ${classic ? 'serverID' : 'notaryID'}="${this.id}" />`,
      '',
    );
    for (const u of this.units)
      lines.push(
        `<assetType name="${packString(u.name ?? '')}"\n ${classic ? 'assetTypeID' : 'instrumentDefinitionID'}="${u.id}" />`,
        '',
      );
    lines.push('</wallet>', '');
    writeFileSync(join(dir, 'client_data', 'wallet.xml'), armor(lines.join('\n'), 'WALLET', { protobufWrap: classic }));
  }
}

/**
 * Check a simulated notary's Schnorr signature over a mint's signed body.
 * @throws OtP2pError `bad-ot-file` when the text is not a signed contract.
 */
export function verifySimulatedMintSignature(signedText: string, notaryPublicKeyHex: string): boolean {
  const c = parseSignedContract(signedText);
  const sig = c.signatures[0];
  if (!sig || !/^[0-9a-f]{64}$/.test(notaryPublicKeyHex)) return false;
  try {
    return secp.verifySchnorr(
      h('ot-mint', c.body),
      Buffer.from(notaryPublicKeyHex, 'hex'),
      Buffer.from(sig.base64, 'base64'),
    );
  } catch {
    return false;
  }
}

function encodeReceipt(r: TransferReceipt): string {
  return JSON.stringify({ ...r, amount: r.amount.toString(), fromBalanceAfter: r.fromBalanceAfter.toString() });
}

function decodeReceipt(text: string): TransferReceipt {
  const o = JSON.parse(text) as TransferReceipt & { amount: string; fromBalanceAfter: string };
  return { ...o, amount: BigInt(o.amount), fromBalanceAfter: BigInt(o.fromBalanceAfter) };
}
