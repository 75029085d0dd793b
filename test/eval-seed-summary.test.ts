import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { meanSd, renderSeedSummary, summariseSeeds, type MetricsJson } from '../src/eval';

const test = suite('eval seed summary');

function run(dicnet: [number, number, number, number], msp: [number, number, number, number], ci: { low: number; high: number }): MetricsJson {
  const method = (name: string, [auroc, aupr, fpr95, cfpr]: [number, number, number, number]) => ({ name, kind: null, auroc, aupr, fpr95, cfpr });
  const d = { mean_difference: 0, ci_low: ci.low, ci_high: ci.high };
  return {
    schema_version: 2,
    splits: {
      test: {
        title: 'test',
        methods: { dicnet_kl: method('DiCNet (KL)', dicnet), msp: method('MSP', msp) },
        comparisons: { msp: { dicnet_kl: { auroc: d, aupr: d, fpr95: { ...d, ci_low: -ci.high, ci_high: -ci.low } } } },
      },
    },
    teacher: { miou: 60 },
    distillation: { loss: 'kl' },
  };
}

test('mean and sample standard deviation; missing values left out', () => {
  const s = meanSd([0.1, 0.2, 0.3, null]);
  assert.ok(Math.abs(s.mean! - 0.2) < 1e-12);
  assert.ok(Math.abs(s.sd! - 0.1) < 1e-12);
  assert.is(s.n, 3);
  assert.equal(meanSd([0.5]), { mean: 0.5, sd: null, n: 1 });
  assert.equal(meanSd([]), { mean: null, sd: null, n: 0 });
});

test('target met only when every condition holds in every seed', () => {
  const good = summariseSeeds([1, 2], [run([0.9, 0.3, 0.2, 0.1], [0.8, 0.1, 0.4, 0.2], { low: 0.01, high: 0.05 }), run([0.92, 0.32, 0.22, 0.12], [0.8, 0.1, 0.4, 0.2], { low: 0.02, high: 0.06 })]);
  assert.ok(good.target.test!.every((c) => c.met), JSON.stringify(good.target.test));
  assert.ok(Math.abs(good.splits.test!.methods.dicnet_kl!.auroc.mean! - 0.91) < 1e-12);
  // One seed whose interval against MSP includes 0: the mean still wins, the interval condition fails.
  const mixed = summariseSeeds([1, 2], [run([0.9, 0.3, 0.2, 0.1], [0.8, 0.1, 0.4, 0.2], { low: 0.01, high: 0.05 }), run([0.9, 0.3, 0.2, 0.1], [0.8, 0.1, 0.4, 0.2], { low: -0.01, high: 0.05 })]);
  const failed = mixed.target.test!.filter((c) => !c.met).map((c) => c.condition);
  assert.equal(failed, ['AUROC interval against MSP excludes 0 on the better side in every seed', 'AUPR interval against MSP excludes 0 on the better side in every seed', 'FPR95 interval against MSP excludes 0 on the better side in every seed']);
  // A higher cFPR than MSP's fails that condition alone.
  const cfpr = summariseSeeds([1], [run([0.9, 0.3, 0.2, 0.3], [0.8, 0.1, 0.4, 0.2], { low: 0.01, high: 0.05 })]);
  assert.equal(cfpr.target.test!.filter((c) => !c.met).map((c) => c.condition), ["mean cFPR lower than MSP's"]);
  assert.match(renderSeedSummary(cfpr), "- not met: mean cFPR lower than MSP's");
});

test('pooled AUPR and FPR95 summarised where the runs have them, "-" where they do not', () => {
  const pooled = (r: MetricsJson, aupr: number) => {
    r.splits.test!.methods.dicnet_kl!.pooled = { aupr, fpr95: 0.5 };
    return r;
  };
  const s = summariseSeeds([1, 2], [pooled(run([0.9, 0.3, 0.2, 0.1], [0.8, 0.1, 0.4, 0.2], { low: 0.01, high: 0.05 }), 0.2), pooled(run([0.9, 0.3, 0.2, 0.1], [0.8, 0.1, 0.4, 0.2], { low: 0.01, high: 0.05 }), 0.4)]);
  assert.ok(Math.abs(s.splits.test!.methods.dicnet_kl!.pooled_aupr.mean! - 0.3) < 1e-12);
  assert.equal(s.splits.test!.methods.msp!.pooled_aupr, { mean: null, sd: null, n: 0 });
  const text = renderSeedSummary(s);
  assert.match(text, '| Method | AUROC % | AUPR % | FPR95 % | cFPR % | pooled AUPR % | pooled FPR95 % |');
  assert.match(text, '| DiCNet (KL) | 90.00 ± 0.00 | 30.00 ± 0.00 | 20.00 ± 0.00 | 10.00 ± 0.00 | 30.00 ± 14.14 | 50.00 ± 0.00 |');
});

test('a metrics.json of another schema is refused, naming the seed', () => {
  assert.throws(() => summariseSeeds([4], [{ ...run([1, 1, 0, 0], [1, 1, 0, 0], { low: 0, high: 0 }), schema_version: 1 }]), /seed 4: metrics.json schema 1/);
});

test.run();
