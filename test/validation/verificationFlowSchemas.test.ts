/**
 * The verification-flow schema (schemas/send.verification.flow.json): its nullable fields and
 * the provider results, each checked by its provider type.
 */
import t from 'tap';
import { errorPaths, fixture } from '../helpers/schemaValidation.js';

void t.test('verification-flow externalCustomerId may be absent but not null', (t) => {
  const body = fixture('send.verification.flow');
  const absent = { ...body.payload };
  delete absent.externalCustomerId;
  t.same(errorPaths('send.verification.flow', { ...body, payload: absent }), []);
  t.same(
    errorPaths('send.verification.flow', {
      ...body,
      payload: { ...body.payload, externalCustomerId: null },
    }),
    ['/payload/externalCustomerId'],
  );
  t.same(
    errorPaths('send.verification.flow', { ...body, payload: { ...body.payload, address: null } }),
    [],
    'address is nullish',
  );
  t.end();
});

void t.test('provider results are checked by provider type', (t) => {
  const body = fixture('send.verification.flow');
  const withResult = (result: unknown[]) => ({ ...body, payload: { ...body.payload, result } });
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'chainalysis', data: { riskLevel: 'Severe' } }]),
    ),
    ['/payload/result/0/data/riskLevel'],
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([
        { type: 'ipQualityScore', data: { error: { error: 'UNKNOWN_ERROR', message: 'x' } } },
      ]),
    ),
    [],
    'an IPQS error form passes',
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([
        { type: 'ipQualityScore', data: { error: 'quota exceeded', emailVerification: null } },
        { type: 'integratedIpqualityscore', data: { error: null, ipVerification: null } },
        { type: 'ipQualityScore', data: { phoneVerification: null } },
      ]),
    ),
    [],
    'an IPQS error may be a string or null and each check may be null, as the vendor declares',
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'ipQualityScore', data: { error: 42, emailVerification: 'yes' } }]),
    ),
    [
      // anyOf reports each failed branch and then itself.
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/emailVerification',
      '/payload/result/0/data/error',
    ],
  );
  t.same(
    errorPaths(
      'send.verification.flow',
      withResult([{ type: 'complyAdvantage', data: { anything: [1, 2] } }]),
    ),
    [],
    'ComplyAdvantage data is unmapped',
  );
  t.same(errorPaths('send.verification.flow', withResult([{ type: 'newProvider', data: {} }])), [
    '/payload/result/0/type',
  ]);
  t.end();
});
