// The speak-up page (/speak-up): any member of staff tells the organisation what they noticed,
// in confidence if they choose, and follows what became of what they sent. js/speak-up.js runs it.

import { escape, input, textarea } from './fields.mjs';

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<div id="sent"></div>
<h1 class="govuk-heading-l">Tell us what you noticed</h1>
<p class="govuk-body">Something that went wrong, nearly went wrong, or went well and should be repeated. An editor reads every observation and decides whether it becomes a lesson. It stays on this node until then.</p>
<form id="observation-form" novalidate>
${input({ id: 'title', label: 'In a sentence, what did you notice?' })}
${textarea({ id: 'driving_event', label: 'What happened?', hint: 'When and where, and who or what it affected. Leave out people\'s names.', rows: 5 })}
${textarea({ id: 'lesson', label: 'What should we learn or change? (optional)', rows: 4 })}
<div class="govuk-form-group" id="confidential-group">
<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
<div class="govuk-checkboxes__item">
<input class="govuk-checkboxes__input" id="confidential" name="confidential" type="checkbox" value="yes" aria-describedby="confidential-item-hint">
<label class="govuk-label govuk-checkboxes__label" for="confidential">Keep my name confidential</label>
<div id="confidential-item-hint" class="govuk-hint govuk-checkboxes__hint">${escape('Editors will see only "a verified member of staff". Only an admin can find out who sent it, and each time one does it is recorded in the audit log with their reason.')}</div>
</div>
</div>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Send observation</button>
</form>
<h2 class="govuk-heading-m">Your observations</h2>
<div id="mine"><p class="govuk-body">Loading your observations…</p></div>
</div>
</div>
`;
}
