/**
 * Amounts as people type and read them: in the unit's own scale (`109.20 USD` for 10920 base units
 * of a unit whose factor is 100), from the factors in catalogs and OT unit contracts. `--json`
 * always keeps base units (integer strings), and `--base-units` makes a command type and print
 * base units too (scripts). A unit whose scale is unknown is never guessed: its amounts are
 * integers in base units, and the output says "base units".
 */
import { parseAmount } from '../core/amount.ts';
import { BTC_UNIT, formatUnitRef } from '../core/assets.ts';
import type { UnitRef } from '../core/assets.ts';
import { checkDecimalText, decimalPlaces, formatDecimal, parseDecimal } from '../core/decimal.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { Catalog } from '../events/catalog.ts';
import { catalogUnitRefs } from '../events/catalog.ts';
import { resolveUnit } from '../peer/units.ts';
import type { Peer } from '../peer.ts';
import type { UnitDefinition } from '../otapi/api.ts';
import type { CommandContext, OptionDef } from './command.ts';
import { boolOption } from './options.ts';
import { sanitizeLine } from './sanitize.ts';

/** Satoshis per bitcoin: on-chain BTC amounts are sats, shown as BTC with 8 decimals. */
export const SATS_PER_BTC = 100_000_000n;

/** The `--base-units` switch shared by every command that takes or prints amounts. */
export const BASE_UNITS_OPTION: OptionDef = {
  type: 'boolean',
  description: 'type and print amounts as integers in base units (as --json always prints them)',
};

/** Whether the command runs with `--base-units`. */
export function baseUnits(ctx: Pick<CommandContext, 'options'>): boolean {
  return boolOption(ctx, 'base-units');
}

/** What is known of a unit's scale. */
export interface UnitScale {
  tla: string | undefined;
  /** Base units per display unit; undefined when no catalog or contract says. */
  factor: bigint | undefined;
}

/**
 * Unit scales by unit ID (an OT unit ID names one contract, whatever the notary). Later sources
 * win: add the web's catalogs first and the user's own contracts last.
 */
export class Scales {
  readonly #byUnit = new Map<string, UnitScale>();

  /** Units of a catalog (factor and TLA as its owner published them). */
  addCatalog(c: Catalog | undefined): this {
    for (const u of c?.units ?? []) this.#byUnit.set(u.id, { tla: u.tla, factor: u.factor });
    return this;
  }

  /** Units of the OT wallet's contracts (`factor`, else `10^decimalPower`). */
  addUnits(defs: readonly UnitDefinition[]): this {
    for (const u of defs) {
      const factor = u.factor ?? (u.decimalPower !== undefined ? 10n ** BigInt(u.decimalPower) : undefined);
      const prev = this.#byUnit.get(u.id);
      this.#byUnit.set(u.id, {
        tla: u.tla ?? prev?.tla,
        factor: factor !== undefined && factor > 0n ? factor : prev?.factor,
      });
    }
    return this;
  }

  /** The scale of `ref` (on-chain BTC: sats, 8 decimals). */
  of(ref: UnitRef): UnitScale {
    if (ref.unit === BTC_UNIT) return { tla: 'BTC', factor: SATS_PER_BTC };
    return this.#byUnit.get(ref.unit) ?? { tla: undefined, factor: undefined };
  }

  /** A short label: the TLA, else `unit@notary`. */
  label(ref: UnitRef): string {
    return sanitizeLine(this.of(ref).tla ?? formatUnitRef(ref));
  }

  /** The decimal text of `amount` in `ref`'s scale, or undefined when the scale is unknown. */
  decimal(amount: bigint, ref: UnitRef): string | undefined {
    const { factor } = this.of(ref);
    return factor !== undefined && decimalPlaces(factor) !== undefined ? formatDecimal(amount, factor) : undefined;
  }

  /**
   * `109.20 USD`; `10920 base units of <unit>` when the scale is unknown or `--base-units` is on.
   */
  format(amount: bigint, ref: UnitRef, base = false): string {
    const d = base ? undefined : this.decimal(amount, ref);
    return d !== undefined ? `${d} ${this.label(ref)}` : `${amount} base units of ${this.label(ref)}`;
  }

  /**
   * An amount typed for one of `refs` (the units it may end up in): decimals in their common
   * scale; an integer taken as base units when no catalog or contract gives the scale (`warn`
   * says so); integers only with `base`.
   * @throws OtP2pError `bad-amount` naming `field` (bad text, too many decimals, a decimal for a
   *   unit of unknown scale), `usage` when the units have different scales.
   */
  parse(
    text: unknown,
    refs: readonly UnitRef[],
    field: string,
    options: { base?: boolean; min?: bigint; warn?: (line: string) => void } = {},
  ): bigint {
    const bounds = options.min !== undefined ? { min: options.min } : {};
    if (options.base) return parseAmount(text, field, bounds);
    const scales = refs.map((r) => this.of(r));
    const factors = new Set(scales.map((s) => s.factor?.toString()));
    const [only] = factors;
    if (factors.size > 1) {
      throw new OtP2pError(
        'usage',
        `${field}: the units it may be paid in have different scales (${refs.map((r) => this.label(r)).join(', ')}): give --unit, or --base-units`,
        { context: { option: field.replace(/^--/, '') } },
      );
    }
    if (only !== undefined && refs.length > 0 && decimalPlaces(only) !== undefined)
      return parseDecimal(text, only, field, bounds);
    // Unknown scale: never guess where the decimal point is.
    checkDecimalText(text, field);
    if (typeof text === 'string' && text.includes('.'))
      throw new OtP2pError(
        'bad-amount',
        `${field}: the scale of ${refs.map((r) => this.label(r)).join(', ') || 'the unit'} is unknown here (no catalog or contract gives its factor): give an integer in base units, got ${describeValue(text)}`,
        { context: { field } },
      );
    const n = parseAmount(text, field, bounds);
    options.warn?.(
      `${field} ${n} is taken as base units: the scale of ${refs.map((r) => this.label(r)).join(', ') || 'the unit'} is unknown here\n`,
    );
    return n;
  }
}

/**
 * The scales a peer knows: the catalogs of its web, then its own OT wallet's contracts.
 * @throws OtP2pError from the OT wallet.
 */
export async function peerScales(peer: Pick<Peer, 'knownCatalogs' | 'otApi'>): Promise<Scales> {
  const s = new Scales();
  for (const c of peer.knownCatalogs().values()) s.addCatalog(c);
  return s.addUnits((await peer.otApi?.listUnits()) ?? []);
}

/** The units a payee may be paid in: those matching `unit` in its catalog, else all it accepts. */
export function payeeRefs(catalog: Catalog | undefined, unit: string | undefined): UnitRef[] {
  if (!catalog) return [];
  const all = catalogUnitRefs(catalog);
  if (unit === undefined) return all;
  try {
    return resolveUnit(unit, catalog, all);
  } catch {
    return []; // the payment reports the unknown unit itself
  }
}
