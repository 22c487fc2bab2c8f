// Lesson text arrives from other organisations: markup in a police lesson's title, summary and
// topics must show as text on every page, and run nothing.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot,
} from './lib.mjs';

// Whether anything the hostile text carried ran or became markup.
async function assertInert(page, where) {
  const ran = await page.evaluate(() => window.__xss ?? null);
  assert.equal(ran, null, `${where}: hostile text ran`);
  const injected = await page.evaluate(() =>
    document.querySelectorAll('main img[src="x"], main script, main b[onmouseover]').length);
  assert.equal(injected, 0, `${where}: hostile text became markup`);
}

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  await open(page, '/');
  const lesson = await page.evaluate(async (id) => (await fetch(
    '/api/cairn.v1.LessonService/GetLesson', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify({ id }),
    })).json(), flowData.hostileLesson);
  assert.match(lesson.title, /<script>/);

  await open(page, '/?q=radio');
  await page.waitForSelector('#search-results .cairn-result');
  const shown = await page.$$eval('#search-results .cairn-result a', (links) =>
    links.map((a) => a.textContent));
  assert.ok(shown.includes(lesson.title), `the title shown as text: ${shown.join(' | ')}`);
  await assertInert(page, 'search results');
  await checkAccessibility(page, 'search page, hostile results');
  await screenshot(page, 'search-hostile-text');

  await open(page, `/lesson?id=${encodeURIComponent(flowData.hostileLesson)}`);
  await page.waitForSelector('h1');
  assert.equal(await page.$eval('h1', (h1) => h1.textContent.trim()), lesson.title);
  const text = await page.$eval('main', (main) => main.textContent);
  assert.ok(text.includes(lesson.summary), 'the summary shown as text');
  assert.ok(text.includes(lesson.topics[0]), 'the topic shown as text');
  await assertInert(page, 'lesson page');
  await checkAccessibility(page, 'lesson page, hostile text');
  await screenshot(page, 'lesson-hostile-text');

  assertNoProblems(page);
  await browser.close();
});
