// An analyst searches this node, then the whole federation (one peer down), and reads a lesson;
// the console offers them nothing to edit or administer, and the API refuses them anyway.
import {
  assert, assertNoProblems, checkAccessibility, consoleUrl, flow, flowData, launchAs, newPage,
  open, screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);

  await open(page, '/');
  assert.match(await page.title(), /Search - Cairn/);
  assert.match(await textOf(page, 'header'), /Signed in as bob, analyst/i);
  await checkAccessibility(page, 'search page, empty');
  await screenshot(page, 'search-empty');

  // Keyboard alone: type and press Enter.
  await page.focus('#q');
  await page.keyboard.type('battery');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search-results .cairn-result');
  const local = await page.$$eval('#search-results .cairn-result', (items) =>
    items.map((item) => item.innerText));
  // The council's own lesson and the police lesson it holds; not the NHS trust's (not held).
  assert.ok(local.some((text) => /Tablets lose charge/.test(text)), local.join('\n'));
  assert.ok(local.some((text) => /Mobile data terminals/.test(text) &&
    /west-police \(policing\)/.test(text)), local.join('\n'));
  assert.ok(!local.some((text) => /Handheld devices/.test(text)), local.join('\n'));
  assert.match(await textOf(page, '#search-results'), /TLP:GREEN/);
  assert.ok(await page.$('#search-results mark'), 'matched words are highlighted');
  assert.match(page.url(), /q=battery/);
  await checkAccessibility(page, 'search page, local results');
  await screenshot(page, 'search-local');

  // A facet narrows the query.
  const facet = await page.$$eval('#search-results a', (links) =>
    links.map((a) => a.getAttribute('href')).find((href) => /sector/.test(decodeURIComponent(href))));
  assert.ok(facet, 'a sector facet link');

  // The whole federation: the NHS trust, down, shows as unreachable; its row and the others
  // arrive as each node answers, then the merged ranking.
  await page.click('#scope-federation');
  await page.click('#search-form button[type=submit]');
  await page.waitForFunction(
    () => /Search finished/.test(document.querySelector('#search-progress')?.innerText ?? ''),
    { timeout: 60000 });
  const nodes = await textOf(page, '#nodes-asked');
  assert.match(nodes, new RegExp(`${flowData.nhs}[\\s\\S]*Unreachable`), nodes);
  assert.match(nodes, new RegExp(`${flowData.police}[\\s\\S]*OK`), nodes);
  assert.match(nodes, new RegExp(`${flowData.council}[\\s\\S]*OK`), nodes);
  const merged = await textOf(page, '#search-results');
  assert.match(merged, /Mobile data terminals/);
  assert.match(merged, /Held by/);
  assert.match(page.url(), /scope=federation/);
  await checkAccessibility(page, 'search page, federated results');
  await screenshot(page, 'search-federated');

  // A query the node cannot parse: the error goes beside the search box, as GOV.UK forms show it.
  await open(page, `/?q=${encodeURIComponent('"unclosed quote')}&scope=local`);
  await page.waitForSelector('#q-error');
  assert.match(await textOf(page, '#q-error'), /Error:/);
  assert.ok(await page.$eval('#q-group', (group) =>
    group.classList.contains('govuk-form-group--error')), 'the search box shows the error');
  assert.match(await page.$eval('#q', (input) => input.getAttribute('aria-describedby')), /\bq-error\b/);
  assert.match(await textOf(page, '.govuk-error-summary'), /There is a problem/);
  assert.equal(await page.$eval('.govuk-error-summary a', (a) => a.getAttribute('href')), '#q');
  assert.match(await page.title(), /^Error: /);
  await checkAccessibility(page, 'search page, query error');
  await screenshot(page, 'search-query-error');

  // In the analyst's own words: the council's "tablet" finds the police's "mobile data
  // terminals" through the vocabulary, and the result says so; every word must match only when
  // asked, and then the police's lesson is not found.
  await open(page, '/?q=tablet&scope=local');
  await page.waitForSelector('#search-results .cairn-result');
  const widened = await page.$$eval('#search-results .cairn-result', (items) =>
    items.map((item) => item.innerText));
  assert.ok(widened.some((text) => /Mobile data terminals/.test(text) &&
    /Found through the vocabulary: “tablet” as “mobile data terminal”/.test(text)), widened.join('\n'));
  assert.ok(widened.some((text) => /Tablets lose charge/.test(text) &&
    !/through the vocabulary/.test(text)), widened.join('\n'));
  await checkAccessibility(page, 'search page, results through the vocabulary');
  await page.click('#all-words');
  await Promise.all([page.waitForNavigation(), page.click('#search-form button[type=submit]')]);
  assert.match(page.url(), /all=1/);
  await page.waitForSelector('#search-results .cairn-result');
  assert.ok(await page.$eval('#all-words', (box) => box.checked), 'the box stays ticked');
  const strict = await textOf(page, '#search-results');
  assert.match(strict, /Tablets lose charge/);
  assert.doesNotMatch(strict, /Mobile data terminals/);

  // A misspelt question finds nothing, says what it tried, and offers the node's own spelling.
  await open(page, `/?q=${encodeURIComponent('the baterys')}&scope=local`);
  await page.waitForSelector('#did-you-mean a');
  assert.match(await textOf(page, '#did-you-mean'), /Did you mean the batter(y|ies)\?/);
  const tried = await textOf(page, '#search-tried');
  assert.match(tried, /Lessons with any of\s+baterys/);
  assert.match(tried, /Left out as too common\s+the/);
  assert.match(tried, /No lesson here holds\s+baterys/);
  await checkAccessibility(page, 'search page, nothing found, did you mean');
  await screenshot(page, 'search-did-you-mean');
  await Promise.all([page.waitForNavigation(), page.click('#did-you-mean a')]);
  await page.waitForSelector('#search-results .cairn-result');
  assert.match(await textOf(page, '#search-results'), /Tablets lose charge/);

  // A well-formed id of a lesson this node does not hold: "Page not found".
  await open(page, `/lesson?id=${encodeURIComponent(`${flowData.council}:01ARZ3NDEKTSV4RRFFQ69G5FAV`)}`);
  await page.waitForFunction(() => /Page not found/.test(document.querySelector('h1')?.innerText ?? ''));
  assert.match(await page.title(), /^Page not found - Cairn$/);
  assert.match(await textOf(page, 'main'), /This node holds no lesson with the id/);
  await checkAccessibility(page, 'lesson page, not found');
  await screenshot(page, 'lesson-not-found');

  // Open a lesson from the results.
  await open(page, '/?q=terminals');
  await page.waitForSelector('#search-results .cairn-result a');
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('#search-results .cairn-result a')]);
  await page.waitForSelector('h1');
  assert.match(await textOf(page, 'h1'), /Mobile data terminals drain vehicle batteries/);
  const lesson = await textOf(page, 'main');
  assert.match(lesson, /west-police/);
  assert.match(lesson, /policing/);
  assert.match(lesson, /Terminals left on overnight/);
  assert.doesNotMatch(lesson, /\bEdit\b|\bRetract\b/, 'an analyst is offered no edit');
  // The police kept a contact on their own node: it never left it.
  assert.doesNotMatch(lesson, /Only on this node|Fleet desk/);
  // Provenance: the copy came from the police force; its history here is the version received.
  assert.match(await textOf(page, '#held-by'), new RegExp(`This node \\(${flowData.council}\\)[\\s\\S]*${flowData.police}, which sent this node version 1`));
  assert.match(await textOf(page, '#lesson-history'), /Version 1 received/);
  await checkAccessibility(page, 'lesson page');
  await screenshot(page, 'lesson');

  // More like this: from the police's lesson to the council's, the lesson itself left out.
  await Promise.all([page.waitForNavigation(), page.click('#more-like-this a')]);
  await page.waitForSelector('#search-results .cairn-result');
  assert.match(page.url(), /like=/);
  assert.match(await textOf(page, '#like-lesson'),
    /Lessons like Mobile data terminals drain vehicle batteries, other sectors than policing first, by its words: .*batteries/);
  const related = await page.$$eval('#search-results .cairn-result', (items) =>
    items.map((item) => item.innerText));
  assert.ok(related.some((text) => /Tablets lose charge/.test(text)), related.join('\n'));
  assert.ok(!related.some((text) => /Mobile data terminals drain/.test(text)), related.join('\n'));
  await checkAccessibility(page, 'search page, more like this');
  await screenshot(page, 'search-more-like-this');

  // No editor or admin controls anywhere; the API refuses them regardless.
  await open(page, '/record');
  assert.match(await textOf(page, 'h1'), /You cannot record lessons/);
  assert.match(await textOf(page, 'main'), /Only editors can record lessons/);
  await checkAccessibility(page, 'record page, refused');
  await open(page, '/import');
  assert.match(await textOf(page, 'h1'), /You cannot import lessons/);
  assert.match(await page.title(), /^You cannot import lessons - Cairn$/);
  assert.match(await textOf(page, 'main'), /Only editors can import lessons, and your role is analyst\.\s+Search for lessons/);
  assert.equal(await page.$('#import-form'), null, 'no import form');
  await open(page, '/');
  assert.doesNotMatch(await textOf(page, 'header'), /Record a lesson|Admin/);
  const refused = await page.evaluate(async () => {
    const response = await fetch('/api/cairn.v1.LessonService/CreateLesson', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify({ lesson: { title: 'Not allowed' } }),
    });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /needs editor/);
  const admin = await page.evaluate(async () => (await fetch('/api/cairn.v1.AdminService/ListPeers', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
    body: '{}',
  })).status);
  assert.equal(admin, 403);

  assertNoProblems(page, [/status of 400/, /status of 403/, /status of 404/]);
  await browser.close();
  console.log(`analyst flow passed against ${consoleUrl}`);
});
