import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { classBalancedWeights } from '../src/model/class-weights';

const test = suite('model class weights');

test('square-root balancing: (median freq / freq)^0.5 over the smallest, capped', () => {
  // freq 0.5, 0.3, 0.15, 0.05, 0 (median 0.15): raw sqrt(0.3), sqrt(0.5), 1, sqrt(3), huge -> over sqrt(0.3)
  const w = classBalancedWeights([50, 30, 15, 5, 0]);
  const expected = [1, Math.sqrt(0.5 / 0.3), 1 / Math.sqrt(0.3), Math.sqrt(3 / 0.3), 10];
  expected.forEach((e, i) => assert.ok(Math.abs(w[i]! - e) < 1e-6, `class ${i}: ${w[i]} vs ${e}`));
});

test('power 0 weighs every class 1; power 1 is median-frequency balancing; even class counts take the middle pair', () => {
  assert.equal([...classBalancedWeights([7, 1, 3], { power: 0, cap: 10 })], [1, 1, 1]);
  const w = classBalancedWeights([40, 30, 20, 10], { power: 1, cap: 100 });
  // median freq (0.3 + 0.2) / 2 = 0.25: raw 0.625, 0.833, 1.25, 2.5 -> over 0.625
  [1, 4 / 3, 2, 4].forEach((e, i) => assert.ok(Math.abs(w[i]! - e) < 1e-6, `class ${i}: ${w[i]} vs ${e}`));
});

test('no labelled pixel, or a bad count, is refused', () => {
  assert.throws(() => classBalancedWeights([0, 0]), /no labelled pixel/);
  assert.throws(() => classBalancedWeights([1, -1]), /non-negative/);
  assert.throws(() => classBalancedWeights([]), /non-negative/);
});

test.run();
