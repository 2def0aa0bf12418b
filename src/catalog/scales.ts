/**
 * Unit scales: how many base units make one display unit (`109.20 USD` is 10920 base units of a
 * unit whose factor is 100), from the factors published in catalogs and written in OT unit
 * contracts. The one definition the CLI and the dashboard read amounts with. A unit whose scale
 * is unknown is never guessed: its amounts stay integers in base units, and the text says so.
 */
import { parseAmount } from '../core/amount.ts';
import { BTC_UNIT, formatUnitRef } from '../core/assets.ts';
import type { UnitRef } from '../core/assets.ts';
import { checkDecimalText, decimalPlaces, formatDecimal, parseDecimal } from '../core/decimal.ts';
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { Catalog } from '../events/catalog.ts';
import type { UnitDefinition } from '../otapi/api.ts';

/** Satoshis per bitcoin: on-chain BTC amounts are sats, shown as BTC with 8 decimals. */
export const SATS_PER_BTC = 100_000_000n;

/** What is known of a unit's scale. */
export interface UnitScale {
  /** The unit's short name (`USD`), as its contract or a catalog gives it. */
  tla: string | undefined;
  /** Base units per display unit; undefined when no catalog or contract says. */
  factor: bigint | undefined;
}

/**
 * Unit scales by unit ID (an OT unit ID names one contract, whatever the notary). Later sources
 * win: add the web's catalogs first and the user's own contracts last ({@link unitScalesOf}).
 * Labels are returned as published: a caller printing to a terminal sanitizes them.
 */
export class UnitScales {
  readonly #byUnit = new Map<string, UnitScale>();

  /** Units of a catalog (factor and TLA as its owner published them). */
  addCatalog(c: Catalog | undefined): this {
    for (const u of c?.units ?? []) {
      const prev = this.#byUnit.get(u.id);
      this.#byUnit.set(u.id, { tla: u.tla ?? prev?.tla, factor: u.factor });
    }
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

  /** Every unit ID with a known scale or TLA (on-chain BTC is implied, not listed). */
  entries(): ReadonlyMap<string, UnitScale> {
    return this.#byUnit;
  }

  /** A short label: the TLA, else `unit@notary`. */
  label(ref: UnitRef): string {
    return this.of(ref).tla ?? formatUnitRef(ref);
  }

  /** The decimal text of `amount` in `ref`'s scale, or undefined when the scale is unknown. */
  decimal(amount: bigint, ref: UnitRef): string | undefined {
    const { factor } = this.of(ref);
    return factor !== undefined && decimalPlaces(factor) !== undefined ? formatDecimal(amount, factor) : undefined;
  }

  /**
   * `109.20 USD`; `10920 base units of <unit>` when the scale is unknown or `base` is set.
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
 * The scales a wallet knows: the catalogs of its web first, then its own OT contracts (what the
 * user's wallet says wins), added to `into` (a fresh {@link UnitScales} by default).
 */
export function unitScalesOf<S extends UnitScales = UnitScales>(
  sources: { catalogs?: Iterable<Catalog>; units?: readonly UnitDefinition[] },
  into?: S,
): S {
  const s = into ?? (new UnitScales() as S);
  for (const c of sources.catalogs ?? []) s.addCatalog(c);
  return s.addUnits(sources.units ?? []);
}
