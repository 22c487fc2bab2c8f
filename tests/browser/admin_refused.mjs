// Someone who is not an admin (bob the analyst, alice the editor) is offered no admin link, gets
// a clear refusal on every admin page, and the node's API refuses them anyway.
import {
  assert, assertNoProblems, checkAccessibility, consoleUrl, flow, flowData, launchAs, newPage,
  open, screenshot, textOf,
} from './lib.mjs';

flow(async () => {
  const browser = await launchAs();
  const page = await newPage(browser);
  const user = flowData.user;
  const role = flowData.role;

  for (const path of ['/admin', `/peer?org=${flowData.police}`, '/audit']) {
    await open(page, path);
    await page.waitForFunction(
      () => /You cannot administer this node/.test(document.querySelector('h1')?.innerText ?? ''));
    assert.match(await page.title(), /You cannot administer this node - Cairn/);
    const main = await textOf(page, 'main');
    assert.match(main, new RegExp(`Only admins of ${flowData.council} can manage`));
    assert.match(main, new RegExp(`Your role is ${role}`));
    // Nothing of the admin page is left behind the refusal.
    assert.equal(await page.$('form'), null, `${path} shows no form`);
    assert.doesNotMatch(main, /Add a peer|Sharing policy|Filter the log/);
    const header = await textOf(page, 'header');
    assert.match(header, new RegExp(`Signed in as ${user}, ${role}`));
    assert.doesNotMatch(header, /Admin/);
    const name = path.slice(1).replace(/\?.*/, '');
    await checkAccessibility(page, `${name} page refused to ${user}`);
    await screenshot(page, `admin-refused-${name}-${user}`);
  }

  // The node refuses the calls themselves.
  const statuses = await page.evaluate(async (police) => {
    const call = async (method, body) => {
      const response = await fetch(`/api/cairn.v1.AdminService/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Cairn-Console': '1' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    return [
      await call('ListPeers', {}),
      await call('PutPeer', { peer: { orgId: 'west-fire' } }),
      await call('SetPolicy', { peerOrg: police, policyText: 'export { markings: [TLP_GREEN] }' }),
      await call('ListAudit', {}),
    ];
  }, flowData.police);
  for (const answer of statuses) {
    assert.equal(answer.status, 403, JSON.stringify(answer));
    assert.equal(answer.body.code, 'PERMISSION_DENIED');
  }

  assertNoProblems(page, [/status of 403/]);
  await browser.close();
  console.log(`admin refusal flow passed for ${user} against ${consoleUrl}`);
});
