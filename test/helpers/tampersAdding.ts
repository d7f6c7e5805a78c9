/**
 * Tampers that append events the store never received: a forged snapshot, a signed event copied
 * into another stream, a forged webhook event with a copied signature.
 * Part of the tamper suite's list (test/helpers/tampers.ts).
 */
import { withKeys } from './tamperKeys.js';
import {
  active,
  alert,
  gone,
  insertAtHead,
  ofType,
  storedRow,
  type Tamper,
} from './tamperTools.js';

export const ADDING_TAMPERS: readonly Tamper[] = [
  {
    name: 'a forged details snapshot with a refetchRunId appended',
    apply: (db, l) => {
      const real = storedRow(db, ofType(db, active(l), 'compilot.customer.details').position);
      const metadata = JSON.stringify({
        apiPath: '/x',
        fetchedAt: new Date().toISOString(),
        httpStatus: 200,
        refetchRunId: 'run-1',
      });
      insertAtHead(db, active(l), {
        ...real,
        id: '11111111-1111-5111-8111-111111111111',
        metadata,
        link: null,
        sha: null,
      });
    },
    expect: /FAIL causation: customer-\S+ revision \d+ .*no causation recorded/,
  },
  {
    name: "a signed event copied from one customer's stream into another's",
    // With the keys, re-encrypted for its new place (without them, see the ciphertext tampers).
    apply: (db, l) => {
      const position = ofType(db, active(l), 'customer.updated').position;
      const real = storedRow(db, position);
      const { text, seal } = withKeys(db, l, position);
      insertAtHead(db, gone(l), { ...real, data: seal(text, real.id, gone(l)) });
    },
    expect:
      /FAIL webhook: customer-\S+ revision \d+ .*stored in customer-\S+ but the signed body routes to customer-/,
  },
  {
    name: 'a forged webhook event with a copied signature appended to a new stream',
    apply: (db, l) => {
      const position = ofType(db, alert(l), 'alert.created').position;
      const real = storedRow(db, position);
      const { text, seal } = withKeys(db, l, position);
      const id = '22222222-2222-5222-8222-222222222222';
      const forged = text.replace(l.alertId, 'alrt_forged00001');
      insertAtHead(db, 'alert-alrt_forged00001', {
        ...real,
        id,
        data: seal(forged, id, 'alert-alrt_forged00001'),
      });
    },
    expect:
      /FAIL signature: alert-alrt_forged00001 revision 0 .*signature invalid \(body-sha256-mismatch\)/,
  },
];
