/**
 * DELIBERATE TAMPERS for the tamper suite (test/ledger/tamper.test.ts): each one is what an
 * attacker with write access to the SQLite file could do once the triggers are dropped, and
 * the failure verify must name for it. The cases live by kind of tampering in the files below.
 */
import { ADDING_TAMPERS } from './tampersAdding.js';
import { CHANGING_TAMPERS } from './tampersChanging.js';
import { BYTE_FLIP_TAMPERS } from './tampersFlipping.js';
import { REMOVING_TAMPERS } from './tampersRemoving.js';
import type { Tamper } from './tamperTools.js';

export type { Tamper } from './tamperTools.js';

export const TAMPERS: readonly Tamper[] = [
  ...REMOVING_TAMPERS,
  ...CHANGING_TAMPERS,
  ...ADDING_TAMPERS,
  ...BYTE_FLIP_TAMPERS,
];
