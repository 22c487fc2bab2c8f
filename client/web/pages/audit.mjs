// The audit log (/audit): who did what on this node, newest first, filtered by action, actor and
// dates. The filters are a GET form, so each filtered page has its own address. js/audit.js runs
// it.

import { date, input } from './fields.mjs';

export function body() {
  return `<div id="page-top">
<div id="form-errors"></div>
<h1 class="govuk-heading-l">Audit log</h1>
<p class="govuk-body">Every change to this node's lessons, peers and policies: who made it and when, newest first. <a class="govuk-link" href="/admin">Peers and replication</a></p>
<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<form id="audit-form" action="/audit" method="get" novalidate aria-labelledby="filter-heading">
<h2 class="govuk-heading-m" id="filter-heading">Filter the log</h2>
${input({ id: 'action', label: 'Action (optional)', hint: 'Exactly, for example policy.set, or a prefix ending in a dot, for example peer. or lesson.', width: 20 })}
${input({ id: 'actor', label: 'Who (optional)', hint: 'Exactly as the log shows it, for example user ada or peer west-police.', width: 20 })}
${date({ id: 'since', legend: 'From (optional)', hint: 'The first day to show, for example 27 3 2026.' })}
${date({ id: 'until', legend: 'To (optional)', hint: 'The last day to show, included.' })}
<div class="govuk-button-group">
<button type="submit" class="govuk-button" data-module="govuk-button">Apply filters</button>
<a class="govuk-link" href="/audit">Clear filters</a>
</div>
</form>
</div>
</div>
<p class="govuk-body" id="audit-progress" aria-live="polite">Loading the log…</p>
<div id="audit-results"></div>
</div>
`;
}
