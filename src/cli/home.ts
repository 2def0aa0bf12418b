/**
 * The data folder: `--home DIR`, else `$OTP2P_HOME`, else `~/.otp2p`. Kept at permissions 0700
 * (set on every use, not only on creation) because it holds the vault, the database and the
 * configuration.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { OtP2pError } from '../core/errors.ts';
import { ensurePrivateDir } from '../store/private-files.ts';
import type { Config } from '../config.ts';
import { parseConfig, DEFAULT_CONFIG } from '../config.ts';

/** Paths inside the data folder, and access to its configuration. */
export class Home {
  readonly dir: string;
  #config: Config | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /** Resolve the folder from the option, the environment, or the default. */
  static resolve(option: string | undefined, env: Record<string, string | undefined>): Home {
    return new Home(option ?? env.OTP2P_HOME ?? join(homedir(), '.otp2p'));
  }

  /** Create the folder if missing and make it 0700 even when it was not (a hand-made one); returns its path. */
  ensure(): string {
    ensurePrivateDir(this.dir);
    return this.dir;
  }

  get configPath(): string {
    return join(this.dir, 'config.json');
  }
  get vaultPath(): string {
    return join(this.dir, 'vault.json');
  }
  get dbPath(): string {
    return join(this.dir, 'otp2p.sqlite');
  }

  /**
   * The configuration: `config.json`, created with defaults on first use.
   * @throws OtP2pError `bad-config` when the file is not valid.
   */
  config(): Config {
    if (this.#config) return this.#config;
    this.ensure();
    if (!existsSync(this.configPath)) {
      this.writeConfig(DEFAULT_CONFIG);
      return (this.#config = DEFAULT_CONFIG);
    }
    let text: string;
    try {
      text = readFileSync(this.configPath, 'utf8');
    } catch (cause) {
      throw new OtP2pError('io-error', `cannot read ${this.configPath}`, { cause });
    }
    this.#config = parseConfig(text, this.configPath);
    return this.#config;
  }

  /** Atomically replace `config.json` (write a temp file, then rename). */
  writeConfig(config: Config): void {
    this.ensure();
    const tmp = `${this.configPath}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.configPath);
    this.#config = config;
  }
}
