/**
 * `OtDataFolder`: a read-only view of a real OT client data folder. Three layouts exist:
 * classic (2013-2014) and 0.94 keep public mints in `client_data/mints/<notary>/<unit>`; opentxs
 * after 2019 uses the singular `client_data/mint/<notary>/<unit>` and keeps nyms and contracts in
 * a protobuf store otp2p does not read. A folder that also holds `server_data/mints/` (a notary's)
 * contributes its `<unit>.PUBLIC` files; the private mint files beside them are never opened.
 *
 * Nothing is ever written into the folder. Every file is size-checked before it is read, and a
 * malformed file becomes an entry in `scan().errors`, never a crash of the whole scan.
 */
import { lstatSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { OtP2pError, isOtP2pError } from '../core/errors.ts';
import type { ErrorCode } from '../core/errors.ts';
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
import {
  MAX_OT_FILE_BYTES,
  contractKind,
  parseAccountFile,
  parseMintFile,
  parseNotaryContract,
  parseUnitDefinition,
  parseWallet,
  readOtDocument,
} from './files.ts';
import type { WalletInfo } from './files.ts';
import { parseSignedContract } from './signed.ts';
import { dearmor } from './armor.ts';
import { trustContract, verifyOtSignature } from './otcrypto.ts';
import type { OtSignatureCheck, TrustedContract } from './otcrypto.ts';

/** A file that could not be read or parsed. */
export interface ScanError {
  path: string;
  code: ErrorCode;
  message: string;
}

/** A public mint found in the folder, with where it came from. */
export interface FoundMint {
  mint: PublicMint;
  /** `client` (as downloaded by the wallet) or `server` (a notary's `.PUBLIC` copy). */
  origin: 'client' | 'server';
  path: string;
  /** The notary's signature, checked against the keys of its contract (when the folder holds it). */
  signature: OtSignatureCheck;
}

/** A contract found in the folder, authenticated by its ID, with its signer's signature checked. */
export interface FoundContract {
  id: string;
  kind: 'notary' | 'unit' | 'other';
  path: string;
  /** The signer's (notary's or issuer's) signature over the contract. */
  signature: OtSignatureCheck;
}

/** Everything a scan found. */
export interface ScanResult {
  layout: OtLayout;
  root: string;
  notaries: NotaryInfo[];
  units: UnitDefinition[];
  accounts: AccountInfo[];
  mints: FoundMint[];
  contracts: FoundContract[];
  errors: ScanError[];
}

const OTX_ID = /^otx[1-9A-HJ-NP-Za-km-z]{25,40}$/;
const CLASSIC_ID = /^[0-9A-Za-z]{40,44}$/;

/**
 * The layout from the folder's shape, never from whether a mint parsed: `modern` with
 * `client_data/mint/`; `classic` when wallet.xml's armor wraps its text in a protobuf string
 * (only classic OT did) or, without a readable wallet, when the IDs things are filed under are
 * 43-character base62; else `v094` (`otx…` IDs).
 */
export function detectLayout(root: string): OtLayout {
  const client = join(root, 'client_data');
  if (isDir(join(client, 'mint'))) return 'modern';
  try {
    return dearmor(readCapped(join(client, 'wallet.xml'))).protobufWrapped ? 'classic' : 'v094';
  } catch {
    // no readable wallet: fall back to the IDs
  }
  const names: string[] = [];
  for (const dir of [
    join(client, 'contracts'),
    join(client, 'accounts'),
    join(client, 'mints'),
    join(client, 'nyms'),
    join(root, 'server_data', 'contracts'),
    join(root, 'server_data', 'mints'),
  ]) {
    names.push(...listDir(dir).map((n) => n.replace(/\.(PUBLIC|\d+)$/, '')));
  }
  if (names.some((n) => OTX_ID.test(n))) return 'v094';
  if (names.some((n) => CLASSIC_ID.test(n))) return 'classic';
  return 'v094';
}

const ID_RE = /^[A-Za-z0-9]{1,128}$/;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Read one file, refusing symlinks, non-files and files over the cap. */
function readCapped(path: string): Buffer {
  let st;
  try {
    st = lstatSync(path);
  } catch (cause) {
    throw new OtP2pError('io-error', `cannot stat ${path}`, { cause, context: { path } });
  }
  if (!st.isFile()) throw new OtP2pError('bad-ot-file', `${path} is not a regular file`, { context: { path } });
  if (st.size > MAX_OT_FILE_BYTES)
    throw new OtP2pError('too-large', `${path} is ${st.size} bytes, over ${MAX_OT_FILE_BYTES}`, { context: { path } });
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new OtP2pError('io-error', `cannot read ${path}`, { cause, context: { path } });
  }
}

/**
 * Read a contract file and authenticate it as contract `id` (its text must hash to the ID).
 * @throws OtP2pError `bad-signature` when it does not hash to `id`, and the read/parse codes.
 */
export function readTrustedContract(path: string, id: string): TrustedContract {
  return trustContract(id, readOtDocument(readCapped(path)).text);
}

/**
 * The contract `id` from the OT data folder a file sits in: walks up from `filePath` looking for
 * `client_data/contracts/<id>` or `server_data/contracts/<id>`. Undefined when none is found or
 * when the one found does not hash to `id`.
 */
export function findContractNear(filePath: string, id: string): TrustedContract | undefined {
  if (!ID_RE.test(id)) return undefined;
  let dir = dirname(resolve(filePath));
  for (let i = 0; i < 8; i++) {
    for (const sub of ['client_data', 'server_data', '.']) {
      const path = join(dir, sub, 'contracts', id);
      if (!existsSync(path)) continue;
      try {
        return readTrustedContract(path, id);
      } catch {
        // a tampered or unreadable copy: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** A read-only OT client data folder. */
export class OtDataFolder implements OtApi {
  /** The folder that holds `client_data/` (and possibly `server_data/`). */
  readonly root: string;
  #scan: ScanResult | undefined;
  readonly #trusted = new Map<string, TrustedContract>();

  /**
   * @param dir the folder holding `client_data/`, or `client_data/` itself.
   * @throws OtP2pError `bad-ot-layout` when no `client_data/` or `server_data/` is found.
   */
  constructor(dir: string) {
    const abs = resolve(dir);
    if (isDir(join(abs, 'client_data')) || isDir(join(abs, 'server_data'))) this.root = abs;
    else if (/client_data\/?$/.test(abs) && isDir(abs)) this.root = resolve(abs, '..');
    else
      throw new OtP2pError('bad-ot-layout', `${abs} holds no client_data/ or server_data/ folder`, {
        context: { dir: abs },
      });
  }

  /** The layout (see {@link detectLayout}). */
  layout(): OtLayout {
    return this.scan().layout;
  }

  /** Read everything once (cached); per-file failures are collected in `errors`. */
  scan(): ScanResult {
    if (this.#scan) return this.#scan;
    const errors: ScanError[] = [];
    const attempt = <T>(path: string, fn: () => T): T | undefined => {
      try {
        return fn();
      } catch (err) {
        if (isOtP2pError(err)) errors.push({ path, code: err.code, message: err.message });
        else errors.push({ path, code: 'internal', message: err instanceof Error ? err.message : String(err) });
        return undefined;
      }
    };
    const client = join(this.root, 'client_data');
    const modernDir = join(client, 'mint');
    const classicDir = join(client, 'mints');
    const mints: FoundMint[] = [];
    const readMintTree = (base: string, origin: 'client' | 'server'): void => {
      for (const notary of listDir(base)) {
        const nd = join(base, notary);
        if (!ID_RE.test(notary) || !isDir(nd)) continue;
        for (const file of listDir(nd)) {
          let unit = file;
          if (origin === 'server') {
            if (!file.endsWith('.PUBLIC')) continue; // the notary's private mint: never opened
            unit = file.slice(0, -'.PUBLIC'.length);
          }
          if (!ID_RE.test(unit)) continue;
          const path = join(nd, file);
          const mint = attempt(path, () => parseMintFile(readCapped(path), path));
          if (!mint) continue;
          if (mint.notaryId !== notary || mint.unitId !== unit) {
            errors.push({
              path,
              code: 'bad-mint',
              message: `mint names notary ${mint.notaryId} / unit ${mint.unitId} but is filed under ${notary}/${unit}`,
            });
            continue;
          }
          mints.push({ mint, origin, path, signature: { ok: false, signer: mint.signer, reason: 'no-key' } });
        }
      }
    };
    const modern = isDir(modernDir);
    readMintTree(modern ? modernDir : classicDir, 'client');
    readMintTree(join(this.root, 'server_data', 'mints'), 'server');

    let wallet: WalletInfo | undefined;
    const walletPath = join(client, 'wallet.xml');
    if (existsSync(walletPath)) wallet = attempt(walletPath, () => parseWallet(readCapped(walletPath)));

    const notaries = new Map<string, NotaryInfo>();
    const units = new Map<string, UnitDefinition>();
    for (const n of wallet?.notaries ?? []) notaries.set(n.id, n);
    for (const u of wallet?.units ?? []) units.set(u.id, u);
    // Contracts: the client's, then a notary's own copies (same ID = same text, so one is enough).
    const contracts: FoundContract[] = [];
    const trusted = this.#trusted;
    for (const contractsDir of [join(client, 'contracts'), join(this.root, 'server_data', 'contracts')]) {
      for (const id of listDir(contractsDir)) {
        if (!ID_RE.test(id) || contracts.some((c) => c.id === id)) continue;
        const path = join(contractsDir, id);
        attempt(path, () => {
          const bytes = readCapped(path);
          const kind = contractKind(bytes);
          if (kind === 'notary') notaries.set(id, { ...notaries.get(id), ...parseNotaryContract(bytes, id) });
          else if (kind === 'unit') {
            const prev = units.get(id);
            const parsed = parseUnitDefinition(bytes, id);
            units.set(id, {
              ...prev,
              ...parsed,
              ...(parsed.name === undefined && prev?.name !== undefined ? { name: prev.name } : {}),
            });
          }
          const t = trustContract(id, readOtDocument(bytes).text);
          trusted.set(id, t);
          contracts.push({ id, kind, path, signature: t.signature });
        });
      }
    }
    for (const found of mints) {
      const contract = trusted.get(found.mint.notaryId);
      if (!contract) continue;
      found.signature = verifyOtSignature(parseSignedContract(found.mint.signedText), contract.keys, found.mint.signer);
    }
    for (const { mint } of mints) {
      if (!notaries.has(mint.notaryId)) notaries.set(mint.notaryId, { id: mint.notaryId });
      if (!units.has(mint.unitId)) units.set(mint.unitId, { id: mint.unitId });
    }
    const accounts = new Map<string, AccountInfo>();
    for (const a of wallet?.accounts ?? []) accounts.set(a.id, a);
    const accountsDir = join(client, 'accounts');
    for (const id of listDir(accountsDir)) {
      if (!ID_RE.test(id)) continue;
      const path = join(accountsDir, id);
      const acct = attempt(path, () => parseAccountFile(readCapped(path)));
      if (acct) accounts.set(acct.id, { ...accounts.get(acct.id), ...acct });
    }
    this.#scan = {
      layout: detectLayout(this.root),
      root: this.root,
      notaries: [...notaries.values()],
      units: [...units.values()],
      accounts: [...accounts.values()],
      mints,
      contracts,
      errors,
    };
    return this.#scan;
  }

  /** The contract `id` as found in the folder and authenticated by its ID, if any. */
  trustedContract(id: string): TrustedContract | undefined {
    this.scan();
    return this.#trusted.get(id);
  }

  /** @inheritdoc */
  async listNotaries(): Promise<NotaryInfo[]> {
    return this.scan().notaries;
  }

  /** @inheritdoc */
  async listUnits(): Promise<UnitDefinition[]> {
    return this.scan().units;
  }

  /**
   * The mints this wallet holds: the client's copies, the ones the notary served to it. A notary's
   * own `.PUBLIC` files in `server_data/` were served to nobody, so they are not compared (the
   * daemon and `otp2p mint check` count the same mints through this one definition); `scan()`
   * still lists them.
   */
  async listMints(): Promise<PublicMint[]> {
    return this.scan()
      .mints.filter((m) => m.origin === 'client')
      .map((m) => m.mint);
  }

  /** The client's mint for (notary, unit), else the notary's public copy; newest series first. */
  async getMint(notaryId: string, unitId: string): Promise<PublicMint | undefined> {
    const found = this.scan()
      .mints.filter((m) => m.mint.notaryId === notaryId && m.mint.unitId === unitId)
      .sort((a, b) =>
        a.origin === b.origin ? Number(b.mint.series) - Number(a.mint.series) : a.origin === 'client' ? -1 : 1,
      );
    return found[0]?.mint;
  }

  /** @inheritdoc */
  async listAccounts(): Promise<AccountInfo[]> {
    return this.scan().accounts;
  }

  /**
   * The last balance recorded in the folder.
   * @throws OtP2pError `unknown-account` when the account or its balance is not in the folder.
   */
  async getBalance(accountId: string): Promise<bigint> {
    const acct = this.scan().accounts.find((a) => a.id === accountId);
    if (acct?.balance === undefined)
      throw new OtP2pError('unknown-account', `no balance for account ${accountId} in ${this.root}`, {
        context: { accountId },
      });
    return acct.balance;
  }

  /**
   * A data folder is read-only: transfers need a live OT client or notary.
   * @throws OtP2pError `ot-read-only` always.
   */
  async transfer(_request: TransferRequest): Promise<TransferReceipt> {
    throw new OtP2pError('ot-read-only', `OtDataFolder ${this.root} is read-only: transfers need a live OT client`);
  }
}
