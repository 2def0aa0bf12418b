/**
 * Amounts as people type and read them: in the unit's own scale (`109.20 USD` for 10920 base units
 * of a unit whose factor is 100), with the library's unit scales (`catalog/scales.ts`). `--json`
 * always keeps base units (integer strings), and `--base-units` makes a command type and print
 * base units too (scripts). A unit whose scale is unknown is never guessed: its amounts are
 * integers in base units, and the output says "base units".
 */
import type { UnitRef } from '../core/assets.ts';
import { UnitScales, unitScalesOf } from '../catalog/scales.ts';
import type { Peer } from '../peer.ts';
import type { CommandContext, OptionDef } from './command.ts';
import { boolOption } from './options.ts';
import { sanitizeLine } from './sanitize.ts';

/** The `--base-units` switch shared by every command that takes or prints amounts. */
export const BASE_UNITS_OPTION: OptionDef = {
  type: 'boolean',
  description: 'type and print amounts as integers in base units (as --json always prints them)',
};

/** Whether the command runs with `--base-units`. */
export function baseUnits(ctx: Pick<CommandContext, 'options'>): boolean {
  return boolOption(ctx, 'base-units');
}

/**
 * The library's {@link UnitScales} for a terminal: labels (TLAs other people published) are
 * sanitized before they are printed or put in a message.
 */
export class Scales extends UnitScales {
  override label(ref: UnitRef): string {
    return sanitizeLine(super.label(ref));
  }
}

/**
 * The scales a peer knows: the catalogs of its web, then its own OT wallet's contracts.
 * @throws OtP2pError from the OT wallet.
 */
export async function peerScales(peer: Pick<Peer, 'knownCatalogs' | 'otApi'>): Promise<Scales> {
  const units = (await peer.otApi?.listUnits()) ?? [];
  return unitScalesOf({ catalogs: peer.knownCatalogs().values(), units }, new Scales());
}
