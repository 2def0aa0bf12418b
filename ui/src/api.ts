/** The dashboard's JSON API (same origin; the session cookie carries the token). */
import type {
  DashboardEvent,
  DmSentView,
  DmView,
  FollowResultView,
  IdentityView,
  MintVerdictView,
  OfferView,
  OutboxView,
  PayResultView,
  PaymentView,
  RelayView,
  SocialGraphView,
} from '../../src/ui/backend.ts';

export type {
  DashboardEvent,
  DmSentView,
  DmView,
  FollowResultView,
  IdentityView,
  MintVerdictView,
  OfferView,
  OutboxView,
  PayResultView,
  PaymentView,
  RelayView,
  SocialGraphView,
};

/** One hop of a route (see src/pathing routeToJson). */
export interface HopJson {
  from: string;
  to: string;
  unit: string;
  amount: string;
  offer: string | null;
}

/** A route as `/api/route` answers: routeToJson plus the offers it uses. */
export interface RouteAnswer {
  spend: string;
  receive: string;
  parts: { spend: string; receive: string; hops: HopJson[] }[];
  offers: OfferView[];
}

/** An API failure with the server's stable code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    throw new ApiError('bad-json', `the server answered ${res.status} without JSON`, res.status);
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(e?.code ?? 'internal', e?.message ?? `HTTP ${res.status}`, res.status);
  }
  return data as T;
}

export const api = {
  identity: () => call<IdentityView>('GET', '/api/identity'),
  relays: () => call<RelayView[]>('GET', '/api/relays'),
  outbox: () => call<OutboxView>('GET', '/api/outbox'),
  graph: () => call<SocialGraphView>('GET', '/api/graph'),
  mint: () => call<MintVerdictView[]>('GET', '/api/mint'),
  payments: () => call<PaymentView[]>('GET', '/api/payments'),
  dms: () => call<DmView[]>('GET', '/api/dms'),
  /** `payeeUnit` ('' = any unit the payee accepts): a TLA, unit ID or `unit@notary`. */
  route: (to: string, amount: string, unit: string, payeeUnit: string) =>
    call<RouteAnswer>('POST', '/api/route', { to, amount, unit, ...(payeeUnit ? { payeeUnit } : {}) }),
  /** `payKey`: one per confirmation; the server pays a key once and answers repeats with the first outcome. */
  pay: (to: string, amount: string, unit: string, payeeUnit: string, route: RouteAnswer, payKey: string) =>
    call<PayResultView>('POST', '/api/pay', {
      to,
      amount,
      unit,
      ...(payeeUnit ? { payeeUnit } : {}),
      route: { spend: route.spend, receive: route.receive, parts: route.parts },
      payKey,
    }),
  sendDm: (to: string, text: string) => call<DmSentView>('POST', '/api/dms', { to, text }),
  /** Edits the user's newest follow list (never replaces it); `force` proceeds when no relay answered. */
  follow: (target: string, action: 'follow' | 'unfollow', petname: string, force: boolean) =>
    call<FollowResultView>('POST', '/api/follow', { target, action, ...(petname ? { petname } : {}), force }),
};
