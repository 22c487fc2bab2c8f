// An editor reviews the observations awaiting review: the confidential one shows only "a
// verified member of staff"; a decline without a reason, then a promotion without a status and
// marking, are errors beside the fields; then it is made a GREEN lesson and leaves the queue.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

async function errorSummary(page, message) {
  await page.waitForFunction((text) => {
    const summary = document.querySelector('.govuk-error-summary');
    return summary && summary.innerText.includes(text);
  }, {}, message);
  assert.ok(await page.evaluate(() =>
    document.activeElement?.classList.contains('govuk-error-summary')), 'the summary has focus');
}

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  await open(page, '/review');
  await page.waitForSelector('#queue table');
  const queue = await textOf(page, '#queue');
  assert.match(queue, new RegExp(flowData.title));
  assert.match(queue, /a verified member of staff/);
  assert.doesNotMatch(queue, /carol/);
  assert.match(await textOf(page, 'header'), /Review observations/);
  await checkAccessibility(page, 'review queue');
  await screenshot(page, 'review-queue');

  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('#queue a')]);
  await page.waitForFunction(() => !document.getElementById('decide-section').hidden &&
    document.getElementById('observation').innerText.includes('What happened'));
  assert.match(await textOf(page, '#observation'), /a verified member of staff/);
  await page.click('#decline-form button[type="submit"]');
  await errorSummary(page, 'Enter why it is not taken forward');
  await checkAccessibility(page, 'review decision, with an error');
  await page.click('#promote-form button[type="submit"]');
  await errorSummary(page, 'Select the lesson\'s status');
  assert.match(await textOf(page, '.govuk-error-summary'), /Select who may see the lesson/);
  await page.click('label[for="status-2"]');   // learned
  await page.click('label[for="marking-4"]');  // GREEN
  await page.type('#topics', 'handover, night-shift');
  await checkAccessibility(page, 'review decision, filled in');
  await screenshot(page, 'review-decision');
  await Promise.all([page.waitForNavigation({ waitUntil: 'networkidle0' }),
    page.click('#promote-form button[type="submit"]')]);
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await textOf(page, '.govuk-notification-banner--success'),
    /The observation is now a lesson/);
  await page.waitForFunction(() => /No observations are awaiting review/.test(
    document.getElementById('queue').innerText));
  await checkAccessibility(page, 'review queue, after a decision');

  // The lesson it became.
  const lessonId = new URL(page.url()).searchParams.get('lesson');
  await open(page, `/lesson?id=${encodeURIComponent(lessonId)}`);
  await page.waitForFunction(() => /TLP:GREEN/.test(document.querySelector('main').innerText));
  assert.match(await textOf(page, 'main'), /Lesson learned/);
  assertNoProblems(page, [/status of 400/, /status of 412/]);
  await browser.close();
});
