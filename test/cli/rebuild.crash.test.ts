import { join } from 'node:path';
import t from 'tap';
import { projections } from '../../projections/index.js';
import { findByState } from '../../src/readmodel/generations.js';
import { openReadModel } from '../../src/readmodel/readModelStore.js';
import { rebuildProjections } from '../../src/projector/rebuildProjections.js';
import { appendJourney } from '../helpers/projectionEvents.js';
import { dumpReadModel, silent } from '../helpers/projectionHarness.js';
import { notBuilt, spawnCli } from '../helpers/serviceProcess.js';
import { ENCRYPTION_ENV } from '../helpers/encryptionKey.js';
import { openEncryptedTestStore, sealThrough } from '../helpers/sealedReadModel.js';

// About 14,000 events: kyc-history (a document per observation) flushes alone at 10,000 staged
// documents, so the rebuild commits a checkpoint before it reaches the head.
const JOURNEYS = 2500;

void t.test(
  'the threaded rebuild command killed mid-way is finished by the next one',
  { skip: notBuilt },
  async (t) => {
    const dir = t.testdir();
    const storePath = join(dir, 'events.db');
    const readModelPath = join(dir, 'readmodel.db');
    const env = {
      ...ENCRYPTION_ENV,
      EVENT_STORE_URL: `sqlite:${storePath}`,
      READ_MODEL_URL: `sqlite:${readModelPath}`,
      LOG_LEVEL: 'warn',
    };
    // Given a log long enough for the rebuild to be caught half-way (journeys appended
    // 100 at a time, so they share commits), encrypted at rest as the service writes it
    const store = openEncryptedTestStore(dir);
    for (let n = 0; n < JOURNEYS; n += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => appendJourney(store, n + i)));
    }
    const reference = sealThrough(openReadModel(join(dir, 'reference.db')), store);
    await rebuildProjections(projections, { store, db: reference, logger: silent });
    const expected = dumpReadModel(reference, projections);
    reference.close();
    await store.close();

    // When the two-thread rebuild is killed once one of its threads has committed a batch
    const killed = spawnCli(['rebuild', '--threads', '2'], env, dir);
    const db = openReadModel(readModelPath);
    t.teardown(() => db.close());
    const building = () => projections.flatMap((p) => findByState(db, p.name, 'building') ?? []);
    while (
      !building().some((generation) => generation.checkpoint !== null) &&
      killed.child.exitCode === null
    ) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    killed.child.kill('SIGKILL');
    t.equal(await killed.exited, 'SIGKILL', 'it was killed before it finished');
    t.equal(building().length, projections.length, 'every projection was left mid-build');

    // Then the next rebuild resumes those generations and ends with a clean build's read model
    const left = projections.map((p) => findByState(db, p.name, 'building')!.generation);
    const next = spawnCli(['rebuild'], env, dir);
    t.equal(await next.exited, 0, next.stderr());
    for (const [index, projection] of projections.entries()) {
      t.match(
        next.stdout(),
        `${projection.name} v${projection.version}: switched (generation ${left[index]},`,
      );
    }
    // Compared with sealed columns opened (random IVs differ between builds)
    const keys = openEncryptedTestStore(dir, true);
    t.teardown(() => keys.close());
    t.same(dumpReadModel(sealThrough(db, keys), projections), expected);
  },
);
