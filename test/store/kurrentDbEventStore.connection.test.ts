// The KurrentDB adapter's connection string: refused ones fail fast without echoing credentials,
// and the leader is preferred by default. Neither needs a server (nor the gRPC double).
import t from 'tap';
import { StoreUnavailableError } from '../../src/store/eventStore.js';
import { withLeaderPreference } from '../../src/store/kurrentdb/connectionString.js';
import { openKurrentDbEventStore } from '../../src/store/kurrentDbEventStore.js';
import { rejectionOf } from '../helpers/eventStoreContract/support.js';

void t.test(
  'a connection string the client refuses fails fast without echoing credentials',
  async (t) => {
    const connectionString =
      'kurrentdb://admin:s3cret@127.0.0.1:2113?tlsCaFile=/nonexistent/ca.pem';
    const opening = Promise.resolve().then(() => openKurrentDbEventStore({ connectionString }));
    const error = await rejectionOf(t, opening);
    t.type(error, StoreUnavailableError, 'opening fails with StoreUnavailableError');
    t.notMatch((error as Error).message, /s3cret/, 'the message does not contain the password');
  },
);

void t.test('the adapter asks for the leader unless the operator chose a node preference', (t) => {
  t.equal(withLeaderPreference('kurrentdb://a:2113'), 'kurrentdb://a:2113?nodePreference=leader');
  t.equal(
    withLeaderPreference('kurrentdb://a:2113,b:2113?tls=false'),
    'kurrentdb://a:2113,b:2113?tls=false&nodePreference=leader',
  );
  const chosen = 'esdb+discover://c:2113?node_preference=follower';
  t.equal(withLeaderPreference(chosen), chosen, 'an explicit preference is kept');
  t.end();
});
