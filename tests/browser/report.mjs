// An analyst makes the lessons report for today (first leaving the dates empty), reads its
// figures, and the report itself renders in Chromium as the printable page it is.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  await open(page, '/report');
  await checkAccessibility(page, 'report page');
  await page.click('#report-form button[type="submit"]');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await textOf(page, '.govuk-error-summary'), /Enter the first day as a real date/);

  const [year, month, day] = flowData.today.split('-').map(Number);
  for (const id of ['since', 'until']) {
    await page.type(`#${id}`, String(day));
    await page.type(`#${id}-month`, String(month));
    await page.type(`#${id}-year`, String(year));
  }
  await page.click('#report-form button[type="submit"]');
  await page.waitForSelector('#report-figures');
  const figures = await textOf(page, '#report-figures');
  assert.match(figures, /Lessons\s+2/);
  assert.match(figures, /Areas for improvement\s+2/);
  assert.ok(await page.$('#report-download'), 'the report can be downloaded');
  await checkAccessibility(page, 'report page, made');

  // The report itself, as a reader's browser shows it.
  const html = await page.evaluate(async (request) => {
    const response = await fetch('/api/cairn.v1.ReportService/BuildReport', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
      body: JSON.stringify(request),
    });
    return (await response.json()).html;
  }, { since: `${flowData.today}T00:00:00Z`, until: `${flowData.tomorrow}T00:00:00Z` });
  const printable = await newPage(browser);
  await printable.setContent(html, { waitUntil: 'load' });
  assert.match(await textOf(printable, 'h1'), /Lessons report/);
  assert.match(await textOf(printable, 'main'), /Tablets lose charge on long shifts/);
  assert.ok(await printable.$('svg[role="img"]'), 'the charts are drawn');
  await checkAccessibility(printable, 'the report');
  await screenshot(printable, 'report');
  assertNoProblems(page, [/status of 400/]);
  await browser.close();
});
