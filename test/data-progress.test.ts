import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgress } from '../src/data';

const test = suite('data: progress display');

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, written };
}

test('without a terminal: one line every 10% and a final line', () => {
  const { stream, written } = fakeStream(false);
  const progress = createProgress('work', 50, { stream });
  for (let i = 0; i < 50; i++) progress.tick(1, `step ${i}`);
  progress.done();
  assert.is(written.length, 10);
  assert.ok(written.every((line) => line.endsWith('\n') && !line.includes('\r')));
  assert.match(written[0]!, /^work 5\/50 \(10%\)/);
  assert.match(written[8]!, /^work 45\/50 \(90%\)/);
  assert.match(written[9]!, /^work 50\/50 \(100%\).* done\n$/);
});

test('resumed at 30 of 50: the count goes on from there, the lines from the next 10%, the eta from this run\'s steps alone', () => {
  const { stream, written } = fakeStream(false);
  const progress = createProgress('resumed', 50, { stream, alreadyDone: 30 });
  for (let i = 0; i < 20; i++) progress.tick();
  progress.done();
  assert.is(written.length, 4);
  assert.match(written[0]!, /^resumed 35\/50 \(70%\) \d+\.\ds eta \d+\.\ds\n$/);
  assert.match(written[3]!, /^resumed 50\/50 \(100%\).* done\n$/);
});

test('on a terminal: a bar redrawn in place', () => {
  const { stream, written } = fakeStream(true);
  const progress = createProgress('bar', 4, { stream, barWidth: 8, redrawMs: 0 });
  progress.tick(2);
  progress.tick(2, 'loss 0.5');
  progress.done();
  assert.is(written.length, 3);
  assert.match(written[0]!, /^\rbar \[####\.\.\.\.\] 2\/4 \(50%\)/);
  assert.match(written[1]!, /^\rbar \[########\] 4\/4 \(100%\).* loss 0\.5/);
  assert.ok(written[2]!.endsWith('done\x1b[K\n'));
});

test.run();
