// bench/RESULTS.md holds the current table (the newest run of each benchmark)
// and bench/RESULTS-archive.md every run, dated; a new run replaces its own
// section in the first and is appended to the second.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { replaceSection, type BenchmarkTitle } from '../bench/results-file';

const test = suite('bench/RESULTS.md and its archive');
const titles: BenchmarkTitle[] = ['Op benchmark', 'Model benchmark'];

/** The `## ` sections of a markdown text, each up to the next. */
function sections(markdown: string): string[] {
  return markdown.split(/^(?=## )/m).slice(1).map((s) => s.trim());
}

const stamp = (section: string): string => /^## \w+ benchmark (\S+)/.exec(section)?.[1] ?? '';

test('RESULTS.md has one section per benchmark, the newest run of the archive, word for word', () => {
  const current = sections(readFileSync('bench/RESULTS.md', 'utf8'));
  const archived = sections(readFileSync('bench/RESULTS-archive.md', 'utf8'));
  for (const title of titles) {
    const mine = current.filter((s) => s.startsWith(`## ${title} `));
    assert.is(mine.length, 1, `RESULTS.md has ${mine.length} ${title} sections`);
    const runs = archived.filter((s) => s.startsWith(`## ${title} `));
    const newest = runs.reduce((a, b) => (stamp(b) > stamp(a) ? b : a));
    assert.is(mine[0], newest, `RESULTS.md's ${title} is not the archive's newest (${stamp(newest)})`);
  }
  assert.equal(current.length, titles.length, 'RESULTS.md holds nothing but the current sections');
});

test('a new run replaces its own section and leaves the other alone', () => {
  const before = '# Results\n\nwhat the columns mean\n\n## Op benchmark 1\n\nold ops\n\n## Model benchmark 1\n\nold model\n';
  const ops = replaceSection(before, 'Op benchmark', '## Op benchmark 2\n\nnew ops\n');
  assert.is(ops, '# Results\n\nwhat the columns mean\n\n## Op benchmark 2\n\nnew ops\n\n## Model benchmark 1\n\nold model\n');
  assert.is(replaceSection(ops, 'Model benchmark', '## Model benchmark 2\n\nnew model'), ops.replace('## Model benchmark 1\n\nold model\n', '## Model benchmark 2\n\nnew model\n'));
  assert.is(replaceSection('# Results\n', 'Op benchmark', '## Op benchmark 3\n\nfirst'), '# Results\n\n## Op benchmark 3\n\nfirst\n');
});

test.run();
