/**
 * Typed parsers for command-line option values, in one place. `parseArgs` hands every option over
 * as a string (or a string array, or a boolean); each command turns them into numbers, amounts,
 * pubkeys and choices here, so the same text means the same thing under every command and a bad
 * value fails the same way: a `usage` error (amounts: `bad-amount`, pubkeys: the NIP-19 codes)
 * whose message names the option and quotes the value (`--limit must be an integer in 1..100000,
 * got "1e400"`), never an `internal` error from a NaN or an Infinity deeper down.
 */
import { parseAmount } from '../core/amount.ts';
import { fail, oneOf } from '../core/assert.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../core/errors.ts';
import { nprofileDecode, parsePubkey } from '../keys/nip19.ts';
import type { CommandContext } from './command.ts';

type Ctx = Pick<CommandContext, 'options'>;

/** Digits only, at most 16 of them: `1e3`, `0x10`, `-1`, ` 5` and `1.0` are not integers here. */
const DIGITS = /^[0-9]{1,16}$/;

/** `--name` as written on the command line. */
export const flag = (name: string): string => `--${name}`;

/**
 * A string option's value, undefined when absent. An empty value is refused: `--to ''` is a
 * mistake, not "no payee".
 * @throws OtP2pError `usage` for an empty value.
 */
export function stringOption(ctx: Ctx, name: string): string | undefined {
  const v = ctx.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail('usage', flag(name), 'a value', v);
  if (v.length === 0)
    throw new OtP2pError('usage', `${flag(name)} needs a value, got ""`, { context: { option: name } });
  return v;
}

/**
 * A string option that must be given. `hint` completes the message (`--to NPUB is required`).
 * @throws OtP2pError `usage` when it is absent or empty.
 */
export function requiredString(ctx: Ctx, name: string, hint = ''): string {
  const v = stringOption(ctx, name);
  if (v === undefined)
    throw new OtP2pError('usage', `${flag(name)}${hint ? ` ${hint}` : ''} is required`, { context: { option: name } });
  return v;
}

/** A repeatable string option as an array (a single value becomes one item), undefined when absent. */
export function listOption(ctx: Ctx, name: string): string[] | undefined {
  const v = ctx.options[name];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : undefined;
}

/** Whether a boolean option was given. */
export function boolOption(ctx: Ctx, name: string): boolean {
  return ctx.options[name] === true;
}

/**
 * Decimal integer text in `min..max` (digits only).
 * @throws OtP2pError `usage` naming `field` and quoting the text.
 */
export function parseIntText(text: unknown, field: string, min: number, max: number): number {
  const n = typeof text === 'string' && DIGITS.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) fail('usage', field, `an integer in ${min}..${max}`, text);
  return n;
}

/**
 * An integer option in `min..max`, undefined when absent.
 * @throws OtP2pError `usage` for anything but decimal digits in range.
 */
export function intOption(ctx: Ctx, name: string, bounds: { min: number; max: number }): number | undefined {
  const v = ctx.options[name];
  return v === undefined ? undefined : parseIntText(v, flag(name), bounds.min, bounds.max);
}

/**
 * An integer option in `min..max`, `fallback` when absent.
 * @throws OtP2pError `usage` for anything but decimal digits in range.
 */
export function intOptionOr(ctx: Ctx, name: string, fallback: number, bounds: { min: number; max: number }): number {
  return intOption(ctx, name, bounds) ?? fallback;
}

/**
 * A TCP port option (0 lets the system pick), `fallback` when absent.
 * @throws OtP2pError `usage`.
 */
export function portOption(ctx: Ctx, name: string, fallback: number): number {
  return intOptionOr(ctx, name, fallback, { min: 0, max: 65_535 });
}

/**
 * An amount option (a non-negative integer string in base units, as a bigint), undefined when absent.
 * @throws OtP2pError `bad-amount` naming the option and the value.
 */
export function amountOption(ctx: Ctx, name: string, bounds: { min?: bigint; max?: bigint } = {}): bigint | undefined {
  const v = ctx.options[name];
  return v === undefined ? undefined : parseAmount(v, flag(name), bounds);
}

/**
 * An amount option that must be given.
 * @throws OtP2pError `usage` when absent, `bad-amount` when malformed or out of bounds.
 */
export function requiredAmount(
  ctx: Ctx,
  name: string,
  bounds: { min?: bigint; max?: bigint } = {},
  hint = 'A',
): bigint {
  if (ctx.options[name] === undefined)
    throw new OtP2pError('usage', `${flag(name)} ${hint} is required`, { context: { option: name } });
  return amountOption(ctx, name, bounds) as bigint;
}

/**
 * One of `allowed`, `fallback` when absent.
 * @throws OtP2pError `usage` naming the choices.
 */
export function enumOption<T extends string>(ctx: Ctx, name: string, allowed: readonly T[], fallback: T): T;
export function enumOption<T extends string>(ctx: Ctx, name: string, allowed: readonly T[]): T | undefined;
export function enumOption<T extends string>(
  ctx: Ctx,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const v = ctx.options[name];
  return v === undefined ? fallback : oneOf(v, flag(name), 'usage', allowed);
}

/**
 * A positional argument that must be one of `allowed` (an action such as `send | read`).
 * @throws OtP2pError `usage`.
 */
export function choiceArg<T extends string>(ctx: Pick<CommandContext, 'args'>, name: string, allowed: readonly T[]): T {
  return oneOf(ctx.args[name], `<${name}>`, 'usage', allowed);
}

/**
 * A public key as users paste it: 64 hex characters (either case), an npub or an nprofile.
 * Returns lowercase hex. Hex and npub go through `keys/nip19.ts` `parsePubkey`.
 * @throws OtP2pError `usage` when missing; `bad-hex` / `wrong-length` for other text; the NIP-19
 *   codes (`bad-bech32`, `bad-checksum`, `wrong-prefix`, `wrong-length`, `bad-tlv`) for a damaged
 *   npub or nprofile.
 */
export function parsePubkeyText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0)
    throw new OtP2pError('usage', `${field} is required`, { context: { field } });
  if (/^[0-9A-F]{64}$/i.test(value)) return value.toLowerCase();
  if (value.toLowerCase().startsWith('nprofile1')) return nprofileDecode(value).pubkey;
  try {
    return parsePubkey(value, field);
  } catch (e) {
    // A name typed where a key goes (`catalog show bob`): say what a key looks like, same code.
    if (!isOtP2pError(e) || /^(npub1|[0-9a-f]+$)/i.test(value)) throw e;
    throw new OtP2pError(
      e.code,
      `${field} must be an npub1…, nprofile1… or 64-hex pubkey (a name is not one: otp2p follow list shows the npubs of the people you follow), got ${describeValue(value)}`,
      { context: { ...e.context, field } },
    );
  }
}

/**
 * A pubkey option (see {@link parsePubkeyText}), undefined when absent.
 * @throws OtP2pError as {@link parsePubkeyText}.
 */
export function pubkeyOption(ctx: Ctx, name: string): string | undefined {
  const v = ctx.options[name];
  return v === undefined ? undefined : parsePubkeyText(v, flag(name));
}

/**
 * A pubkey option that must be given.
 * @throws OtP2pError `usage` when absent, and as {@link parsePubkeyText}.
 */
export function requiredPubkey(ctx: Ctx, name: string, hint = 'NPUB'): string {
  if (ctx.options[name] === undefined)
    throw new OtP2pError('usage', `${flag(name)} ${hint} is required`, { context: { option: name } });
  return parsePubkeyText(ctx.options[name], flag(name));
}

/**
 * A pubkey positional argument.
 * @throws OtP2pError `usage` when missing, and as {@link parsePubkeyText}.
 */
export function pubkeyArg(ctx: Pick<CommandContext, 'args'>, name: string): string {
  return parsePubkeyText(ctx.args[name], `<${name}>`);
}
