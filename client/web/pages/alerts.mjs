// The alerts page (/alerts): an analyst's alerts, newest first, unread ones marked, with "mark
// all as read"; and their saved searches, to add and remove. js/alerts.js runs it.

import { input } from './fields.mjs';

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-full">
<div id="form-errors"></div>
<div id="done"></div>
<h1 class="govuk-heading-l">Your alerts</h1>
<p class="govuk-body">Lessons your saved searches matched when this node stored them: your organisation's own, and copies other organisations shared with yours. Newest first; you keep the newest 10,000.</p>
<div id="unread"></div>
<div id="alerts"><p class="govuk-body">Loading your alerts…</p></div>
<h2 class="govuk-heading-m" id="watches-heading">Your saved searches</h2>
<div id="watches"><p class="govuk-body">Loading your saved searches…</p></div>
<form id="watch-form" novalidate>
<h3 class="govuk-heading-s">Save a search</h3>
${input({ id: 'query', label: 'Search', hint: 'As you would search, for example: tablet battery. Every lesson stored from now on that it matches alerts you.' })}
${input({ id: 'webhook_url', label: 'Also post each alert to a webhook (optional)', hint: 'A Teams or Slack connector address that your node\'s admin allows' })}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save search</button>
</form>
</div>
</div>
`;
}
