// The review page (/review, /review?id=ID): editors see the observations awaiting review and
// decide each: promote it to a lesson, merge it into one, or decline it. js/review.js runs it.

import { input, kMarkingOptions, radios, textarea } from './fields.mjs';

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<div id="done"></div>
<section id="queue-section">
<h1 class="govuk-heading-l">Observations to review</h1>
<p class="govuk-body">What members of staff noticed, oldest first. Each stays TLP:RED, on this node only, until you decide it.</p>
<div id="queue"><p class="govuk-body">Loading the observations…</p></div>
</section>
<section id="decide-section" hidden>
<span class="govuk-caption-l">Review an observation</span>
<h1 class="govuk-heading-l" id="observation-title">Loading…</h1>
<dl class="govuk-summary-list" id="observation"></dl>
<p class="govuk-body">Decide it one of three ways.</p>
<form id="promote-form" novalidate>
<h2 class="govuk-heading-m">Make it a lesson</h2>
${radios({ id: 'status', legend: 'Status', options: [
    { value: 'LESSON_IDENTIFIED', text: 'Lesson identified', hint: 'Analysed, with a proposed remedy' },
    { value: 'LESSON_LEARNED', text: 'Lesson learned', hint: 'The remedy was tried and works' }] })}
${radios({ id: 'marking', legend: 'Who may see it', options: kMarkingOptions })}
${input({ id: 'topics', label: 'Topics (optional)', hint: 'Separate topics with commas, for example: mobile-working, battery' })}
<button type="submit" class="govuk-button" data-module="govuk-button">Make it a lesson</button>
</form>
<form id="merge-form" novalidate>
<h2 class="govuk-heading-m">It says what an existing lesson says</h2>
${input({ id: 'into', label: 'The lesson\'s id', hint: 'From the lesson\'s page, for example leeds-council:01JD…. The observation is withdrawn as merged into it.' })}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Merge into that lesson</button>
</form>
<form id="decline-form" novalidate>
<h2 class="govuk-heading-m">Do not take it forward</h2>
${textarea({ id: 'reason', label: 'Why not?', hint: 'The member of staff who sent it reads this.', rows: 3 })}
<button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button">Decline it</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/review">Back to the observations</a></p>
</section>
</div>
</div>
`;
}
