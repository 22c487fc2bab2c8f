// The retract page (/retract?id=ID): asks why, then retracts. js/retract.js runs it.

import { textarea } from './fields.mjs';

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<span class="govuk-caption-l" id="form-caption">Loading the lesson…</span>
<h1 class="govuk-heading-l">Retract this lesson</h1>
<form id="retract-form" novalidate hidden>
<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span>
You cannot undo this. Every peer that holds a copy will be told to delete it, and searches will no longer show it.</strong>
</div>
${textarea({ id: 'reason', label: 'Why are you retracting it?', hint: 'People who open the lesson on this node will see this reason.', rows: 4 })}
<div class="govuk-button-group">
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Retract lesson</button>
<a class="govuk-link" id="form-cancel" href="/">Cancel</a>
</div>
</form>
</div>
</div>
`;
}
