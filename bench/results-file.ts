// Where the benchmarks keep their results: bench/RESULTS.md holds the newest
// run of each benchmark (its section replaced by the next run), and
// bench/RESULTS-archive.md every run, dated, oldest first.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

export type BenchmarkTitle = 'Op benchmark' | 'Model benchmark';

/** From dist/bench/, where the built benchmarks run. */
const current = new URL('../../bench/RESULTS.md', import.meta.url);
const archive = new URL('../../bench/RESULTS-archive.md', import.meta.url);

/** `markdown` with its `## <title> ...` section (up to the next `## ` heading) replaced by `section`, or `section` appended where it has none. */
export function replaceSection(markdown: string, title: BenchmarkTitle, section: string): string {
  const text = `${section.trim()}\n`;
  const start = new RegExp(`^## ${title}\\b.*$`, 'm').exec(markdown);
  if (!start) return `${markdown.trimEnd()}\n\n${text}`;
  const after = markdown.slice(start.index + start[0].length);
  const next = /^## /m.exec(after);
  const end = next ? start.index + start[0].length + next.index : markdown.length;
  return `${markdown.slice(0, start.index)}${text}${next ? `\n${markdown.slice(end)}` : ''}`;
}

/** Puts a run's section (starting `## <title> <date>`) in RESULTS.md in place of the last run's, and at the end of the archive. */
export function recordResults(title: BenchmarkTitle, section: string): void {
  writeFileSync(current, replaceSection(readFileSync(current, 'utf8'), title, section));
  appendFileSync(archive, `\n${section.trim()}\n`);
}
