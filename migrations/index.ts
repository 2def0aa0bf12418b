/**
 * Every migration, listed explicitly and in order. Names start with the date they were written;
 * Kysely applies them in name order. Never import from src/: a migration is frozen in time.
 * To add one: create `YYYY-MM-DD-NN-topic.ts` with `up` (and `down` when it can be undone),
 * then list it here.
 */
import type { Migration } from 'kysely';
import * as foundation from './2026-11-24-01-foundation.ts';
import * as messaging from './2026-11-24-05-messaging.ts';
import * as bitcoin from './2026-11-24-07-bitcoin.ts';
import * as payments from './2026-11-24-08-payments.ts';
import * as btcPayments from './2026-11-24-09-btc-payments.ts';
import * as web from './2026-12-03-01-web.ts';
import * as webIds from './2026-12-03-05-web-ids.ts';

export const migrations: Record<string, Migration> = {
  '2026-11-24-01-foundation': foundation,
  '2026-11-24-05-messaging': messaging,
  '2026-11-24-07-bitcoin': bitcoin,
  '2026-11-24-08-payments': payments,
  '2026-11-24-09-btc-payments': btcPayments,
  '2026-12-03-01-web': web,
  '2026-12-03-05-web-ids': webIds,
};
