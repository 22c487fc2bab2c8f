// Adoption feedback in the console. Phase "give": an analyst at the council tells the police what
// the council did with one of their lessons (first forgetting to choose), marking it GREEN.
// Phase "origin": an analyst at the police reads who adopted the lesson, with the totals.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  const lessonPath = `/lesson?id=${encodeURIComponent(flowData.policeLessons[0])}`;

  if (flowData.phase === 'origin') {
    await open(page, lessonPath);
    await page.waitForSelector('#feedback-totals');
    assert.match(await textOf(page, '#feedback-heading'), /What other organisations did with it/);
    assert.match(await textOf(page, '#feedback-totals'), /Adopted by 1 organisation in 1 sector/);
    const table = await textOf(page, '#feedback table');
    assert.match(table, /leeds-council\s+local-government\s+Adopted/);
    assert.match(table, new RegExp(flowData.note));
    await checkAccessibility(page, 'lesson page, feedback at the origin');
    await screenshot(page, 'feedback-origin');
    assertNoProblems(page);
    await browser.close();
    return;
  }

  await open(page, lessonPath);
  await page.waitForSelector('#feedback-form');
  assert.match(await textOf(page, '#feedback-heading'), /Tell west-police what you did with it/);
  await checkAccessibility(page, 'lesson page, feedback form');

  await page.click('#feedback-form button[type="submit"]');
  await page.waitForSelector('#feedback-errors .govuk-error-summary');
  assert.match(await textOf(page, '#feedback-errors'), /Select what your organisation did with it/);
  await checkAccessibility(page, 'lesson page, feedback form with an error');

  await page.click('label[for="adoption"]');
  await page.type('#note', flowData.note);
  await page.click('label[for="feedback-marking-3"]');
  await page.click('#feedback-form button[type="submit"]');
  await page.waitForSelector('#feedback .govuk-notification-banner--success');
  assert.match(await textOf(page, '#feedback .govuk-notification-banner--success'),
    /Only west-police can read it/);
  assert.match(await textOf(page, '#feedback-given'), /You told them: Adopted/);
  await checkAccessibility(page, 'lesson page, feedback sent');
  await screenshot(page, 'feedback-given');
  assertNoProblems(page);
  await browser.close();
});
