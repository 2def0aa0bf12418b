/**
 * One {@link OtApi} over several: a wallet with accounts on many notaries, where each notary is
 * reached through its own client (as `SimulatedNotary.clientFor` gives one client per notary).
 * A real OT client already spans notaries; this is for composing simulated or partial clients.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { AccountInfo, OtApi } from './api.ts';

/**
 * Combine clients. Listing calls concatenate (deduplicated by ID); account calls go to the client
 * that holds the account.
 * @throws OtP2pError `unknown-account` from `getBalance`/`transfer` when no client holds the account.
 */
export function combineOtApis(apis: readonly OtApi[]): OtApi {
  const dedupe = <T extends { id: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const l of lists) for (const x of l) if (!seen.has(x.id)) seen.set(x.id, x);
    return [...seen.values()];
  };
  const owner = async (accountId: string): Promise<OtApi> => {
    for (const api of apis) {
      const accounts: AccountInfo[] = await api.listAccounts();
      if (accounts.some((a) => a.id === accountId)) return api;
    }
    throw new OtP2pError('unknown-account', `no client holds account ${describeValue(accountId)}`, {
      context: { accountId },
    });
  };
  return {
    listNotaries: async () => dedupe(await Promise.all(apis.map((a) => a.listNotaries()))),
    listUnits: async () => dedupe(await Promise.all(apis.map((a) => a.listUnits()))),
    listMints: async () => (await Promise.all(apis.map((a) => a.listMints()))).flat(),
    getMint: async (notaryId, unitId) => {
      for (const api of apis) {
        const m = await api.getMint(notaryId, unitId);
        if (m) return m;
      }
      return undefined;
    },
    listAccounts: async () => dedupe(await Promise.all(apis.map((a) => a.listAccounts()))),
    getBalance: async (accountId) => (await owner(accountId)).getBalance(accountId),
    transfer: async (request) => (await owner(request.fromAccountId)).transfer(request),
  };
}
