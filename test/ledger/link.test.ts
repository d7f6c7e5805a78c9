import t from 'tap';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import {
  GENESIS_LINK,
  computeLink,
  coveredMetadataJson,
  linkPreimage,
  sha256Hex,
} from '../../src/ledger/link.js';
import { merkleRoot } from '../../src/ledger/merkle.js';

// The vector docs/ledger.md gives auditors; recomputed outside Node with `sha256sum`.
const body = '{"eventType":"customer.created","payload":{"customerId":"c-1"}}';
const vector = {
  streamName: 'customer-c-1',
  revision: 0,
  eventId: '00000000-0000-5000-8000-000000000001',
  type: 'customer.created',
  dataSha256: sha256Hex(body),
  metadataJson: coveredMetadataJson({ svixId: 'msg_1', receivedAt: '2026-12-04T00:00:00.000Z' }),
  previousLink: GENESIS_LINK,
};

void t.test('the link of the documented test vector is the one recomputed by hand', async (t) => {
  t.equal(vector.dataSha256, 'a8651ed3cc6e1610bffad97161329cc3de745c0c624abe100c70ec433d28ecfc');
  t.equal(
    linkPreimage(vector),
    '["compilot-ledger/link/v1","customer-c-1",0,"00000000-0000-5000-8000-000000000001",' +
      '"customer.created","a8651ed3cc6e1610bffad97161329cc3de745c0c624abe100c70ec433d28ecfc",' +
      '{"receivedAt":"2026-12-04T00:00:00.000Z","svixId":"msg_1"},"' +
      GENESIS_LINK +
      '"]',
  );
  t.equal(computeLink(vector), '821a93b962a18327a644be7b2c5f39695488279d04fb298207d8abe44a17f814');
});

void t.test('every covered field changes the link', async (t) => {
  const base = computeLink(vector);
  const variants = [
    { ...vector, streamName: 'customer-c-2' },
    { ...vector, revision: 1 },
    { ...vector, eventId: '00000000-0000-5000-8000-000000000002' },
    { ...vector, type: 'customer.deleted' },
    { ...vector, dataSha256: sha256Hex(body + ' ') },
    { ...vector, metadataJson: coveredMetadataJson({ svixId: 'msg_2' }) },
    { ...vector, previousLink: base },
  ];
  const links = new Set(variants.map(computeLink));
  t.equal(links.size, variants.length);
  t.notOk(links.has(base));
});

void t.test('covered metadata ignores key order and the ledger entry only', async (t) => {
  t.equal(
    coveredMetadataJson({ b: 1, a: { d: [1, 'x'], c: null }, ledger: { link: 'x' } }),
    '{"a":{"c":null,"d":[1,"x"]},"b":1}',
  );
  t.throws(() => canonicalJson({ n: Number.NaN }), TypeError);
});

void t.test('the Merkle root follows RFC 6962 over sorted stream heads', async (t) => {
  const heads = [
    { streamName: 'b', revision: 1, link: 'aa' },
    { streamName: 'a', revision: 0, link: 'bb' },
    { streamName: 'c', revision: 2, link: 'cc' },
  ];
  // Recomputed with Python's hashlib: H(0x01 || H(0x01 || L(a) || L(b)) || L(c)).
  t.equal(merkleRoot(heads), '25168dd43ce57baf056a1c90160c2236a6b8b2c5a693363d96c9f1869155185f');
  t.equal(merkleRoot(heads.slice().reverse()), merkleRoot(heads));
  t.not(merkleRoot(heads.slice(1)), merkleRoot(heads));
  t.equal(
    merkleRoot([]),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'the empty tree is the hash of nothing',
  );
});
