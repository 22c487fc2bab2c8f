// An analyst saves a search on the alerts page (first leaving it empty, then naming a webhook the
// node does not allow); once matching lessons have arrived (phase "read"), the header counts
// them, the page lists them newest first tagged New, and "Mark all as read" clears the count.
import {
  assert, assertNoProblems, checkAccessibility, flow, flowData, launchAs, newPage, open,
  screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);

  if (flowData.phase === 'read') {
    await open(page, '/');
    await page.waitForSelector('#cairn-unread .cairn-unread-count');
    assert.match(await textOf(page, '#navigation'), /Alerts\s+2\s+unread/);
    await page.click('#navigation a[href="/alerts"]');
    await page.waitForSelector('#alerts table');
    const alerts = await textOf(page, '#alerts');
    assert.match(alerts, /New\s+Police radios lose charge/);
    assert.match(alerts, /west-police \(policing\)/);
    assert.match(alerts, /Council tablets lose charge/);
    assert.ok(alerts.indexOf('Police radios') < alerts.indexOf('Council tablets'), 'newest first');
    assert.doesNotMatch(alerts, /canteen/i);
    assert.match(await textOf(page, '#unread'), /You have 2 unread alerts/);
    await checkAccessibility(page, 'alerts page, unread');
    await screenshot(page, 'alerts-unread');

    await page.click('#mark-read-form button');
    await page.waitForSelector('.govuk-notification-banner--success');
    assert.match(await textOf(page, '.govuk-notification-banner--success'),
      /All your alerts are marked as read/);
    assert.match(await textOf(page, '#unread'), /You have no unread alerts/);
    assert.equal(await page.$('#alerts .govuk-tag'), null, 'no alert is tagged New');
    assert.equal(await page.$('#cairn-unread .cairn-unread-count'), null, 'the header count is gone');
    await checkAccessibility(page, 'alerts page, read');
    assertNoProblems(page);
    await browser.close();
    return;
  }

  await open(page, '/alerts');
  await page.waitForSelector('#watches .govuk-body');
  assert.match(await textOf(page, '#alerts'), /No alerts yet/);
  assert.match(await textOf(page, '#watches'), /You have no saved searches/);
  await checkAccessibility(page, 'alerts page, empty');

  await page.click('#watch-form button[type="submit"]');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await textOf(page, '.govuk-error-summary'), /Enter what to search for/);

  // A webhook this node does not allow: the node's refusal is shown beside the field.
  await page.type('#query', flowData.query);
  await page.type('#webhook_url', 'https://attacker.example/hooks/x');
  await page.click('#watch-form button[type="submit"]');
  await page.waitForSelector('#webhook_url-error');
  assert.match(await textOf(page, '#webhook_url-error'), /this node allows no webhooks/);
  await checkAccessibility(page, 'alerts page, webhook refused');

  await page.$eval('#webhook_url', (input) => { input.value = ''; });
  await page.click('#watch-form button[type="submit"]');
  await page.waitForSelector('.govuk-notification-banner--success');
  assert.match(await textOf(page, '.govuk-notification-banner--success'),
    new RegExp(`new lessons matching "${flowData.query}"`));
  assert.match(await textOf(page, '#watches'), new RegExp(flowData.query));
  assert.equal(await page.$('.govuk-error-summary'), null, 'the error summary is gone');
  await checkAccessibility(page, 'alerts page, saved');
  assertNoProblems(page, [/status of 412/]);
  await browser.close();
});
