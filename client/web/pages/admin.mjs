// The admin page (/admin): this node's peers, how replication from each is going, and a form to
// add one. js/admin.js runs it.

import { peerFields } from './peer-fields.mjs';

export function body() {
  return `<div id="page-top">
<div id="form-errors"></div>
<h1 class="govuk-heading-l">Peers of this node</h1>
<p class="govuk-body">Each peer is another organisation's node. Open one to change it, set what it may receive, or see why a lesson would or would not reach it. Every change is in the <a class="govuk-link" href="/audit">audit log</a>.</p>
<p class="govuk-body" id="peers-progress" aria-live="polite">Loading the peers…</p>
<div id="peers"></div>
<h2 class="govuk-heading-m">Replication</h2>
<div id="replication"></div>
<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<h2 class="govuk-heading-m" id="add-heading">Add a peer</h2>
<form id="add-form" novalidate aria-labelledby="add-heading">
${peerFields({ withOrg: true })}
<button type="submit" class="govuk-button" data-module="govuk-button">Add peer</button>
</form>
</div>
</div>
</div>
`;
}
