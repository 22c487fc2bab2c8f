// The report page (/report): choose a period (and optionally a project or topic), see the
// report's figures, and download it as one printable HTML page. js/report.js runs it.

import { date, input } from './fields.mjs';

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<h1 class="govuk-heading-l">Lessons report</h1>
<p class="govuk-body">What your organisation learned over a period: figures, good practice and areas for improvement, the state of each recommendation, which other organisations adopted your lessons, and what other sectors learned that relates. It is one page you can print or share.</p>
<form id="report-form" novalidate>
${date({ id: 'since', legend: 'From', hint: 'The first day, for example 1 4 2026' })}
${date({ id: 'until', legend: 'To', hint: 'The last day, included, for example 31 3 2027' })}
${input({ id: 'project', label: 'Project or programme (optional)', width: 20 })}
${input({ id: 'topic', label: 'Topic (optional)', width: 20 })}
<button type="submit" class="govuk-button" data-module="govuk-button">Make the report</button>
</form>
<div id="report-result"></div>
</div>
</div>
`;
}
