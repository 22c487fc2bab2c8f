// A member of staff with only a contributor certificate speaks up in confidence (first forgetting
// to say what they noticed), then, once an editor has reviewed it (phase "follow"), reads what
// became of it. They are offered nothing else: the home page sends them here.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);

  if (flowData.phase === 'follow') {
    await open(page, '/speak-up');
    await page.waitForFunction(() => /Made a lesson/.test(document.getElementById('mine').innerText));
    const mine = await textOf(page, '#mine');
    assert.match(mine, new RegExp(flowData.title));
    assert.match(mine, /Sent in confidence/);
    assert.match(mine, /alice made it a lesson/);
    await checkAccessibility(page, 'speak-up page, reviewed');
    await screenshot(page, 'speak-up-followed');
    assertNoProblems(page);
    await browser.close();
    return;
  }

  await open(page, '/');
  await page.waitForFunction(() => window.location.pathname === '/speak-up');
  await page.waitForSelector('#mine .govuk-body');
  const header = await textOf(page, 'header');
  assert.match(header, /Signed in as carol, contributor/);
  assert.match(header, /Speak up/);
  assert.doesNotMatch(header, /Search|Review observations|Record a lesson|Admin/);
  assert.match(await textOf(page, '#mine'), /You have not sent any observations yet/);
  await checkAccessibility(page, 'speak-up page, empty');

  await page.click('button[type="submit"]');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await textOf(page, '.govuk-error-summary'), /Enter what you noticed, in a sentence/);
  assert.ok(await page.evaluate(() =>
    document.activeElement?.classList.contains('govuk-error-summary')), 'the summary has focus');
  await checkAccessibility(page, 'speak-up page, with an error');

  await page.type('#title', flowData.title);
  await page.type('#driving_event', 'Twice this month the night shift skipped the handover checklist to finish on time.');
  await page.type('#lesson', 'Make the checklist part of the shift rota, not an extra.');
  await page.click('label[for="confidential"]');
  await page.click('button[type="submit"]');
  await page.waitForSelector('.govuk-notification-banner--success');
  const banner = await textOf(page, '.govuk-notification-banner--success');
  assert.match(banner, /Thank you: your observation was sent/);
  assert.match(banner, /a verified member of staff/);
  assert.equal(await page.$('.govuk-error-summary'), null, 'the error summary is gone');
  await page.waitForFunction(() => /Awaiting review/.test(document.getElementById('mine').innerText));
  assert.match(await textOf(page, '#mine'), new RegExp(flowData.title));
  assert.equal(await page.$eval('#title', (input) => input.value), '', 'the form is cleared');
  await checkAccessibility(page, 'speak-up page, sent');
  await screenshot(page, 'speak-up-sent');

  // What a contributor may not read, the node refuses, whatever the page offers.
  const status = await page.evaluate(async () => (await fetch('/api/cairn.v1.SearchService/Search', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
    body: JSON.stringify({ query: 'handover' }),
  })).status);
  assert.equal(status, 403);
  assertNoProblems(page, [/status of 403/]);
  await browser.close();
});
