// The domain check: quantiles of image-wide means over the in-domain reference
// split, stored in and read back from checkpoint metadata, and which images
// they call unusual.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { domainReference, unusualShare } from '../src/cli/domain-check';
import { domainMetadata, readDomainReference, unusualScores } from '../src/eval/domain';
import type { SplitEvaluation } from '../src/cli/evaluation';
import { CAMVID_CLASSES } from '../src/data/class-tables';
import type { DatasetIndex } from '../src/data/dataset';

const test = suite('the domain check');

function evaluation(split: string, source: SplitEvaluation['source'], kl: number[]): SplitEvaluation {
  return { split, source, images: kl.length, imageMeans: { dicnetKl: kl } } as unknown as SplitEvaluation;
}

const index = { layout: 'CamVid', classes: CAMVID_CLASSES } as DatasetIndex;
const klValues = Array.from({ length: 101 }, (_, i) => i / 100);

test('quantiles of the validation split; none without one', () => {
  const ref = domainReference([evaluation('test', 'dataset', [5]), evaluation('validation', 'dataset', [...klValues].reverse())], index)!;
  assert.equal([ref.split, ref.images], ['CamVid validation', 101]);
  assert.equal(ref.values.dicnetKl, { p95: 0.95, p99: 0.99, max: 1 });
  assert.is(domainReference([evaluation('RoadAnomaly', 'anomaly set', [1])], index), null);
});

test('through checkpoint metadata and back; an image whose mean is above the p99 is unusual', () => {
  const ref = domainReference([evaluation('validation', 'dataset', klValues)], index)!;
  const metadata = domainMetadata(ref);
  assert.is(metadata.domain_reference, 'CamVid validation (101 images)');
  assert.equal(readDomainReference(metadata), ref);
  assert.is(readDomainReference({}), null);
  assert.equal(unusualScores(ref, { dicnetKl: 0.5 }), []);
  assert.equal(unusualScores(ref, { dicnetKl: 0.99 }), [], 'at the limit is not above it');
  assert.equal(unusualScores(ref, { dicnetKl: 0.995 }), ['dicnetKl']);
  assert.is(unusualShare(ref, evaluation('RoadAnomaly', 'anomaly set', [0.1, 2, 0.2, 3])), 0.5);
});

test.run();
