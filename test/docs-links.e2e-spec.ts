import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** The guides that link to lines of code. */
const GUIDES = ['docs/tour.md', 'docs/idempotency.md', 'README.md'];
const ROOT = join(__dirname, '..');

/** Every `[text](path#L12)` link of a guide: its text, the file it names and the line. */
function lineLinks(guide: string) {
  const text = readFileSync(join(ROOT, guide), 'utf8');
  return [...text.matchAll(/\[([^\]]+)\]\(([^)#\s]+)#L(\d+)\)/g)].map(([, label, target, line]) => ({
    label: label.replace(/\s+/g, ' '),
    file: relative(ROOT, join(ROOT, dirname(guide), target)),
    line: Number(line),
  }));
}

describe('line links in the guides', () => {
  const links = GUIDES.flatMap((guide) => lineLinks(guide).map((link) => ({ guide, ...link })));

  it('finds more than 30 line links to check in the guides', () => {
    // docs/tour.md alone has dozens; if the pattern stopped matching, this suite would check nothing.
    expect(links.length).toBeGreaterThan(30);
  });

  it.each(links)('$guide: [$label] lands on a line of $file', ({ file, line }) => {
    expect(existsSync(join(ROOT, file))).toBe(true);
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    expect(line).toBeLessThanOrEqual(lines.length);
    expect(lines[line - 1].trim()).not.toBe('');
  });

  // A link whose text is a name in code (`parseBody`, `ChargesService.create`) must land on a line
  // that holds that name, so a link left behind when code moves is caught. Links in prose are
  // read by people; this checks the ones a machine can.
  const named = links.filter((link) => /^`[\w.]+`$/.test(link.label));
  it.each(named)('$guide: [$label] lands on a line that names it', ({ label, file, line }) => {
    const name = label.slice(1, -1).split('.').pop()!;
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    expect(lines[line - 1]).toContain(name);
  });
});
