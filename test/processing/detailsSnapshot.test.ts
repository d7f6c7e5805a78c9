import t from 'tap';
import { detailsSnapshotEvent } from '../../src/processing/detailsSnapshot.js';

void t.test(
  'a snapshot keeps the body bytes and its evidence, which extras cannot override',
  (t) => {
    const body = Buffer.from('{ "id":"c1" ,"x":1.50 }\n');
    const event = detailsSnapshotEvent({
      id: '00000000-0000-4000-8000-000000000001',
      fetched: {
        type: 'compilot.customer.details',
        httpStatus: 200,
        body,
        apiPath: '/customers/c1/details',
        fetchedAt: '2030-01-01T00:00:00.000Z',
      },
      causation: { id: 'cause-id', position: '00000000000000000007' },
      extraMetadata: { reconciliationRunId: 'r1', httpStatus: 500, causationId: 'forged' },
    });
    t.equal(event.data, body, 'the very bytes received, not a re-serialisation');
    t.equal(event.type, 'compilot.customer.details');
    t.strictSame(event.metadata, {
      reconciliationRunId: 'r1',
      fetchedAt: '2030-01-01T00:00:00.000Z',
      apiPath: '/customers/c1/details',
      httpStatus: 200,
      causationId: 'cause-id',
      causationPosition: '00000000000000000007',
    });
    t.end();
  },
);
