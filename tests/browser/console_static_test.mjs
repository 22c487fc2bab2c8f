// Checks on the built web console that need no browser and no node: what the strict CSP would
// block (inline script or style, event-handler attributes), HTML sinks that would run lesson text
// from other organisations, the page weight goal, a deterministic build, and no GDS Transport.
// Run: node --test tests/browser/  (after `npm ci` in client/web).
// The flows themselves are tested in Chromium against a real cairnd.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { build, kBudgetBytes } from '../../client/web/build.mjs';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../client/web');
let outdir;
let sizes;

before(async () => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-console-'));
  sizes = await build(outdir);
});

after(() => {
  fs.rmSync(outdir, { recursive: true, force: true });
});

function pages() {
  return fs.readdirSync(outdir).filter((name) => name.endsWith('.html')).sort();
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

test('every page the node routes is built', () => {
  assert.deepEqual(pages(),
    ['admin.html', 'alerts.html', 'audit.html', 'edit.html', 'import.html', 'lesson.html', 'peer.html',
      'record.html', 'report.html', 'retract.html', 'review.html', 'search.html', 'speak-up.html']);
});

test('pages hold nothing the CSP would block', () => {
  for (const name of pages()) {
    const html = fs.readFileSync(path.join(outdir, name), 'utf8');
    for (const script of html.matchAll(/<script\b[^>]*>/g)) {
      assert.match(script[0], /\ssrc="\/assets\/js\/[a-z-]+\.js"/, `${name}: inline script ${script[0]}`);
    }
    assert.doesNotMatch(html, /<style\b/i, `${name}: <style> element`);
    assert.doesNotMatch(html, /\sstyle\s*=/i, `${name}: style attribute`);
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, `${name}: event-handler attribute`);
    assert.doesNotMatch(html, /javascript:/i, `${name}: javascript: URL`);
    assert.doesNotMatch(html, /https?:\/\//i, `${name}: loads or links off the node`);
  }
});

test('pages are English, titled "X - Cairn", with a skip link to main', () => {
  for (const name of pages()) {
    const html = fs.readFileSync(path.join(outdir, name), 'utf8');
    assert.match(html, /<html lang="en"/, name);
    assert.match(html, /<title>[^<]+ - Cairn<\/title>/, name);
    assert.match(html, /<a href="#main-content" class="govuk-skip-link"/, name);
    assert.match(html, /<main [^>]*id="main-content"/, name);
  }
});

test('scripts never parse text as HTML', () => {
  for (const file of filesUnder(path.join(web, 'js'))) {
    const source = fs.readFileSync(file, 'utf8');
    for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write',
      'eval(', 'new Function', 'createContextualFragment', 'DOMParser', 'srcdoc']) {
      assert.ok(!source.includes(sink), `${path.basename(file)} uses ${sink}`);
    }
  }
});

test('every page loads under 200 KB of JS and CSS before compression', () => {
  assert.equal(sizes.length, pages().length);
  for (const { page, js, css } of sizes) {
    assert.ok(js + css < kBudgetBytes, `${page}: ${js} bytes of JS + ${css} of CSS`);
  }
});

test('no GDS Transport: no font files, and the CSS does not name it', () => {
  const files = filesUnder(outdir);
  assert.deepEqual(files.filter((file) => /\.(woff2?|ttf|otf|eot)$/.test(file)), []);
  const css = fs.readFileSync(path.join(outdir, 'assets', 'cairn.css'), 'utf8');
  assert.doesNotMatch(css, /GDS Transport|@font-face/);
});

test('two builds give the same bytes', async () => {
  const again = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-console-'));
  try {
    await build(again);
    const list = (dir) => filesUnder(dir).map((file) => path.relative(dir, file)).sort();
    assert.deepEqual(list(again), list(outdir));
    for (const file of list(outdir)) {
      assert.ok(fs.readFileSync(path.join(outdir, file)).equals(fs.readFileSync(path.join(again, file))),
        `${file} differs between builds`);
    }
  } finally {
    fs.rmSync(again, { recursive: true, force: true });
  }
});
