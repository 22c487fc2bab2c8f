// An editor records a lesson (first forgetting its title), edits it, loses an edit to a
// colleague who saved first, retracts it, and imports a file with one bad line; a lesson another
// organisation owns offers them nothing to change.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  assert, assertNoProblems, checkAccessibility, consoleUrl, flow, flowData, launchAs, newPage,
  open, screenshot, textOf,
} from './lib.mjs';

// Clicks `selector` and resolves when the page it leads to has loaded.
async function clickAndLoad(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }), page.click(selector)]);
}

// The error summary once it is shown, checked the GOV.UK way: it has focus and says `message`.
async function errorSummary(page, message) {
  await page.waitForSelector('.govuk-error-summary');
  const summary = await textOf(page, '.govuk-error-summary');
  assert.match(summary, /There is a problem/);
  assert.match(summary, message, summary);
  assert.ok(await page.evaluate(() =>
    document.activeElement?.classList.contains('govuk-error-summary')), 'the summary has focus');
  assert.match(await page.title(), /^Error: /);
  return summary;
}

// The inline error beside field `id`: the message, the error styles, and the field described by it.
async function inlineError(page, id, message) {
  const state = await page.evaluate((field) => ({
    message: document.getElementById(`${field}-error`)?.innerText ?? '',
    group: document.getElementById(`${field}-group`).classList.contains('govuk-form-group--error'),
    describedBy: document.getElementById(field).getAttribute('aria-describedby') ?? '',
  }), id);
  assert.match(state.message, message, JSON.stringify(state));
  assert.ok(state.group, `${id}'s group shows the error`);
  assert.match(state.describedBy, new RegExp(`\\b${id}-error\\b`), `${id} is described by its error`);
}

// Waits for the lesson page an editor lands on after `done`, or fails with what the page said.
async function landsOn(page, done) {
  try {
    await page.waitForFunction((want) => new URLSearchParams(window.location.search).get('done') === want &&
      document.querySelector('.govuk-notification-banner--success'), {}, done);
  } catch (error) {
    const said = await page.evaluate(() => `${document.querySelector('main')?.innerText ?? ''}\n` +
      `(title: ${document.getElementById('title')?.value}; focus: ${document.activeElement?.outerHTML.slice(0, 80)})`);
    throw new Error(`no done=${done} on ${page.url()}: ${error.message}\nthe page says: ${said}`);
  }
}

function lessonIdOf(page) {
  return new URL(page.url()).searchParams.get('id');
}

// POSTs to the console's API from `page` (same origin), as the pages do.
function callApi(page, method, body) {
  return page.evaluate(async (name, request) => {
    const response = await fetch(`/api/${name}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify(request),
    });
    return { status: response.status, body: await response.json() };
  }, method, body);
}

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);

  // Record, forgetting the title: the node's own rule comes back beside the field.
  await open(page, '/record');
  assert.match(await page.title(), /Record a lesson - Cairn/);
  assert.match(await textOf(page, 'header'), /Signed in as alice, editor/i);
  // The node's defaults are shown as chosen: a new lesson is an observation, and OFFICIAL.
  assert.deepEqual(await page.$$eval('#lesson-form input[type=radio]:checked',
    (radios) => radios.map((radio) => `${radio.name}=${radio.value}`)),
  ['status=OBSERVATION', 'classification=OFFICIAL']);
  await checkAccessibility(page, 'record page, empty');
  await screenshot(page, 'editor-record-empty');
  await page.type('#summary', 'Volunteers could not open the booking form on shared library PCs.');
  await page.click('input[name="marking"][value="TLP_GREEN"]');
  await page.type('#topics', 'mobile working, booking');
  await page.type('#contact', 'Libraries IT desk, extension 4471');
  await page.click('#lesson-form button[type=submit]');
  const summary = await errorSummary(page, /Title is empty; every lesson needs a title/);
  assert.doesNotMatch(summary, /lesson\.title/, 'the field is named by its label');
  assert.equal(await page.$eval('.govuk-error-summary a', (a) => a.getAttribute('href')), '#title');
  await inlineError(page, 'title', /Title is empty; every lesson needs a title/);
  await checkAccessibility(page, 'record page, title missing');
  await screenshot(page, 'editor-record-errors');
  // The summary's link takes the keyboard to the field.
  await page.click('.govuk-error-summary a[href="#title"]');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'title');

  await page.keyboard.type('Shared library PCs block the booking form');
  await page.keyboard.press('Enter');
  await landsOn(page, 'recorded');
  const id = lessonIdOf(page);
  assert.ok(id, page.url());
  assert.match(await textOf(page, '.govuk-notification-banner--success'), /Lesson recorded/);
  assert.ok(await page.evaluate(() =>
    document.activeElement?.classList.contains('govuk-notification-banner--success')),
  'the banner has focus');
  assert.match(await textOf(page, 'h1'), /Shared library PCs block the booking form/);
  const recorded = await textOf(page, 'main');
  assert.match(recorded, /Volunteers could not open the booking form/);
  assert.match(recorded, /TLP:GREEN/);
  assert.match(recorded, /Observation/);
  assert.match(recorded, new RegExp(flowData.council));
  // The local-only contact shows on the origin node, under its own heading.
  assert.match(recorded, /Only on this node[\s\S]*Libraries IT desk, extension 4471/);
  await checkAccessibility(page, 'lesson page, recorded banner');
  await screenshot(page, 'editor-recorded');

  // Edit the summary from the lesson page.
  await clickAndLoad(page, 'a[href^="/edit?id="]');
  await page.waitForSelector('#lesson-form:not([hidden])');
  assert.equal(await page.$eval('#title', (input) => input.value),
    'Shared library PCs block the booking form');
  assert.match(await textOf(page, '#form-caption'), /version 1\b/);
  await checkAccessibility(page, 'edit page');
  await page.$eval('#summary', (area) => { area.value = ''; });
  await page.type('#summary', 'The booking form needs a browser the library PCs do not have.');
  assert.equal(await page.$eval('input[name="classification"]:checked', (radio) => radio.value),
    'OFFICIAL');
  await page.click('input[name="classification"][value="OFFICIAL_SENSITIVE"]');
  await page.click('#lesson-form button[type=submit]');
  await landsOn(page, 'edited');
  assert.equal(lessonIdOf(page), id);
  assert.match(await textOf(page, '.govuk-notification-banner--success'),
    /Your changes have been saved/);
  const edited = await textOf(page, 'main');
  assert.match(edited, /needs a browser the library PCs do not have/);
  assert.match(edited, /Classification\s+OFFICIAL-SENSITIVE/);
  await checkAccessibility(page, 'lesson page, edited banner');
  // A banner is only a claim in the URL: a forged one on a live lesson at version 2 shows nothing.
  for (const forged of ['retracted', 'recorded']) {
    await open(page, `/lesson?id=${encodeURIComponent(id)}&done=${forged}`);
    await page.waitForSelector('h1');
    assert.equal(await page.$$eval('.govuk-notification-banner', (found) => found.length), 0,
      `no banner for a forged done=${forged}`);
  }
  assertNoProblems(page, [/status of 400/]);

  // Two windows edit the same version; the second to save is told why, not shown a raw error.
  const other = await newPage(browser, { type: 'window' });
  await open(page, `/edit?id=${encodeURIComponent(id)}`);
  await open(other, `/edit?id=${encodeURIComponent(id)}`);
  await page.waitForSelector('#lesson-form:not([hidden])');
  await other.waitForSelector('#lesson-form:not([hidden])');
  await page.type('#lesson-text', 'Check the browser the public PCs run before launch.');
  await page.click('#lesson-form button[type=submit]');
  await landsOn(page, 'edited');
  await other.type('#tags', 'libraries');
  await other.click('#lesson-form button[type=submit]');
  const conflict = await errorSummary(other, /Someone edited this lesson meanwhile \(now version 3\)/);
  assert.match(conflict, /Your changes have not been saved/);
  assert.doesNotMatch(conflict, /FAILED_PRECONDITION|stored version|lesson\.version/, conflict);
  assert.match(other.url(), /\/edit\?id=/, 'the window stays on the form, keeping what was typed');
  assert.equal(await other.$eval('#tags', (input) => input.value), 'libraries');
  await checkAccessibility(other, 'edit page, version conflict');
  await screenshot(other, 'editor-conflict');
  // The way out: reload the lesson with the colleague's change.
  await clickAndLoad(other, '.govuk-error-summary a[href^="/edit?id="]');
  await other.waitForSelector('#lesson-form:not([hidden])');
  assert.equal(await other.$eval('#lesson-text', (area) => area.value),
    'Check the browser the public PCs run before launch.');
  assert.match(await textOf(other, '#form-caption'), /version 3\b/);
  assertNoProblems(other, [/status of 412/]);
  await other.close();

  // Retract: a reason is needed, then the lesson says it is retracted and why. Two more windows,
  // one editing it and one about to retract it too, find out after.
  const editing = await newPage(browser, { type: 'window' });
  await open(editing, `/edit?id=${encodeURIComponent(id)}`);
  await editing.waitForSelector('#lesson-form:not([hidden])');
  const retracting = await newPage(browser, { type: 'window' });
  await open(retracting, `/retract?id=${encodeURIComponent(id)}`);
  await retracting.waitForSelector('#retract-form:not([hidden])');
  await open(page, `/retract?id=${encodeURIComponent(id)}`);
  await page.waitForSelector('#retract-form:not([hidden])');
  assert.match(await textOf(page, '#form-caption'), /Shared library PCs block the booking form/);
  await checkAccessibility(page, 'retract page');
  await page.click('#retract-form button[type=submit]');
  await errorSummary(page, /Enter why you are retracting this lesson/);
  await inlineError(page, 'reason', /Enter why you are retracting this lesson/);
  await checkAccessibility(page, 'retract page, reason missing');
  await screenshot(page, 'editor-retract-errors');
  await page.type('#reason', 'Recorded against the wrong service; see the libraries team.');
  await page.click('#retract-form button[type=submit]');
  await landsOn(page, 'retracted');
  assert.match(await textOf(page, '.govuk-notification-banner--success'), /Lesson retracted/);
  const retracted = await textOf(page, 'main');
  assert.match(retracted, /This lesson has been retracted by its organisation/);
  assert.match(retracted, /Reason: Recorded against the wrong service; see the libraries team\./);
  assert.match(retracted, /Retracted/);
  assert.doesNotMatch(retracted, /\bEdit\b this lesson|Retract this lesson/, 'nothing left to change');
  await checkAccessibility(page, 'lesson page, retracted');
  await screenshot(page, 'lesson-retracted');
  await open(page, `/edit?id=${encodeURIComponent(id)}`);
  assert.match(await textOf(page, 'h1'), /This lesson cannot be edited/);
  await editing.type('#tags', 'late');
  await editing.click('#lesson-form button[type=submit]');
  await errorSummary(editing,
    /This lesson was retracted meanwhile\. Your changes have not been saved\.\s+See the lesson/);
  assert.ok(await editing.$('.govuk-error-summary a[href^="/lesson?id="]'), 'a link to the lesson');
  await checkAccessibility(editing, 'edit page, retracted meanwhile');
  assertNoProblems(editing, [/status of 412/]);
  await editing.close();
  await retracting.type('#reason', 'Duplicate of another lesson.');
  await retracting.click('#retract-form button[type=submit]');
  const again = await errorSummary(retracting,
    /Someone retracted this lesson meanwhile, so it was not retracted again\.\s+See the lesson and their reason/);
  assert.doesNotMatch(again, /FAILED_PRECONDITION|is retracted/, again);
  await checkAccessibility(retracting, 'retract page, retracted meanwhile');
  await screenshot(retracting, 'editor-retract-meanwhile');
  assertNoProblems(retracting, [/status of 412/]);
  await retracting.close();

  // Import a file of four lines, the third of which the node cannot read.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-import-'));
  const file = path.join(dir, 'lessons.jsonl');
  const line = (title, marking = 'TLP_GREEN') =>
    JSON.stringify({ title, summary: `${title}, as the old system put it.`, marking, topics: ['imported'] });
  fs.writeFileSync(file, [
    line('Imported: hot-desk booking confuses agency staff'),
    line('Imported: paper forms outlast the pilot'),
    line('Imported: a marking the node does not know', 'TLP_PURPLE'),
    line('Imported: train the trainers first'),
    '',
  ].join('\n'));
  await open(page, '/import');
  assert.match(await page.title(), /Import lessons - Cairn/);
  await checkAccessibility(page, 'import page, empty');
  await page.click('#import-form button[type=submit]');
  await errorSummary(page, /Select a JSON Lines file of lessons/);
  await checkAccessibility(page, 'import page, no file');
  const input = await page.$('#import-form input[type=file]');
  await input.uploadFile(file);
  await page.click('#import-button');
  await page.waitForSelector('#import-done');
  assert.match(await textOf(page, '#import-progress'), /Imported 3 of 4 - 1 failed/);
  const result = await textOf(page, '#import-report');
  assert.match(result, /Import finished/);
  assert.match(result, /3 of 4 lessons were imported/);
  assert.match(result, /1 line was not imported/);
  const failures = await page.$$eval('#import-report tbody tr', (rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.innerText)));
  assert.equal(failures.length, 1, JSON.stringify(failures));
  assert.equal(failures[0][0], '3');
  assert.equal(failures[0][1], 'Imported: a marking the node does not know');
  // The node's reason, said of the line rather than of the request that carried it.
  assert.match(failures[0][2],
    /^This line is not a lesson Cairn can read: marking: invalid value "TLP_PURPLE"/, failures[0][2]);
  assert.doesNotMatch(failures[0][2], /items\[0\]|request body/, failures[0][2]);
  assert.ok(await page.evaluate(() => document.activeElement?.id === 'import-done'),
    'the result has focus');
  assert.equal(await page.$$eval('.govuk-error-summary', (found) => found.length), 0);
  await checkAccessibility(page, 'import page, result');
  await screenshot(page, 'editor-import');
  const listed = await callApi(page, 'cairn.v1.LessonService/ListLessons',
    { originOrg: flowData.council, topic: 'imported' });
  assert.equal(listed.status, 200);
  assert.deepEqual((listed.body.lessons ?? []).map((lesson) => lesson.title).sort(), [
    'Imported: hot-desk booking confuses agency staff', 'Imported: paper forms outlast the pilot',
    'Imported: train the trainers first']);

  // 25 lessons near the node's size limits, 4.8 MB of JSON in all: over the 4 MiB a request may
  // carry, so the page must send them in more than one batch (a batch of 25 gets HTTP 413). A
  // last line over 4 MiB alone fails, said to be too large, and takes none with it.
  const longText = (what) => `${what} `.repeat(Math.floor(62 * 1024 / (what.length + 1)));
  const bulky = Array.from({ length: 25 }, (_, i) => JSON.stringify({
    title: `Imported: long report ${i + 1}`,
    summary: longText('Summary of a long report.').slice(0, 7 * 1024),
    drivingEvent: longText('What happened at length.'),
    lesson: longText('What was learned at length.'),
    evidence: longText('The evidence at length.'),
    marking: 'TLP_GREEN',
    topics: ['bulky'],
  }));
  assert.ok(bulky.join('\n').length > 4.5 * 1024 * 1024, 'the file is over the request limit');
  const huge = JSON.stringify({ title: 'Imported: far too long', summary: 'x'.repeat(4.5 * 1024 * 1024) });
  fs.writeFileSync(file, `${bulky.join('\n')}\n${huge}\n`);
  await open(page, '/import');
  await (await page.$('#import-form input[type=file]')).uploadFile(file);
  await page.click('#import-button');
  await page.waitForSelector('#import-done', { timeout: 120000 });
  assert.match(await textOf(page, '#import-progress'), /Imported 25 of 26 - 1 failed/);
  const bulkyResult = await textOf(page, '#import-report');
  assert.match(bulkyResult, /25 of 26 lessons were imported/, bulkyResult);
  assert.deepEqual(await page.$$eval('#import-report tbody tr', (rows) =>
    rows.map((row) => [...row.cells].map((cell) => cell.innerText))),
  [['26', 'Imported: far too long', 'This line is too large to send: the node takes at most 4 MiB at once']]);
  fs.rmSync(dir, { recursive: true, force: true });
  assertNoProblems(page, [/status of 400/, /status of 413/]);

  // The police lesson this node holds: only west-police may change it.
  const police = flowData.policeLessons[0];
  await open(page, `/lesson?id=${encodeURIComponent(police)}`);
  await page.waitForSelector('h1');
  assert.match(await textOf(page, 'h1'), /Mobile data terminals drain vehicle batteries/);
  assert.equal(await page.$$eval('a[href^="/edit"], a[href^="/retract"]', (links) => links.length), 0);
  assert.doesNotMatch(await textOf(page, 'main'), /\bEdit\b|\bRetract\b/);
  await checkAccessibility(page, 'lesson page, another organisation\'s lesson');
  for (const [where, heading] of [['edit', /You cannot edit this lesson/],
    ['retract', /You cannot retract this lesson/]]) {
    await open(page, `/${where}?id=${encodeURIComponent(police)}`);
    await page.waitForFunction(() => !/Loading/.test(document.querySelector('main').innerText));
    assert.match(await textOf(page, 'h1'), heading);
    assert.match(await textOf(page, 'main'), new RegExp(`Only editors of ${flowData.police}`));
    assert.equal(await page.$$eval('form:not([hidden])', (forms) => forms.length), 0);
    await checkAccessibility(page, `${where} page, another organisation's lesson`);
  }
  // And the node refuses it regardless of the page.
  const refused = await callApi(page, 'cairn.v1.LessonService/RetractLesson',
    { id: police, reason: 'not ours' });
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /only its origin organisation can change it/);

  assertNoProblems(page, [/status of 400/, /status of 403/, /status of 413/]);
  await browser.close();
  console.log(`editor flow passed against ${consoleUrl}`);
});
