// The lesson form of the record (/record) and edit (/edit?id=ID) pages. js/lesson-form.js fills
// it in for an edit, reads it back into a Lesson and shows the node's errors beside the fields.

import { date, escape, input, kMarkingOptions, radios, textarea } from './fields.mjs';

const kStatuses = [
  { value: 'OBSERVATION', text: 'Observation', hint: 'Something was noticed; not yet analysed.' },
  { value: 'LESSON_IDENTIFIED', text: 'Lesson identified', hint: 'Analysed, with a proposed remedy.' },
  { value: 'LESSON_LEARNED', text: 'Lesson learned', hint: 'The remedy was validated and adopted.' },
  { value: 'SUPERSEDED', text: 'Superseded', hint: 'A newer lesson replaces this one.' },
];

export function body(page) {
  const editing = page.name === 'edit';
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<div id="form-notice"></div>
<span class="govuk-caption-l" id="form-caption">${editing ? 'Loading the lesson…' : 'Your organisation’s lessons'}</span>
<h1 class="govuk-heading-l">${escape(page.title)}</h1>
<form id="lesson-form" novalidate data-mode="${editing ? 'edit' : 'record'}"${editing ? ' hidden' : ''}>
${input({ id: 'title', label: 'Title', hint: 'A short sentence saying what was learned.' })}
${textarea({ id: 'summary', label: 'Summary (optional)', hint: 'A few sentences others will see in search results.', rows: 4 })}
${textarea({ id: 'driving-event', label: 'What happened (optional)', hint: 'The event or project that led to this lesson.' })}
${textarea({ id: 'lesson-text', label: 'What was learned (optional)' })}
${textarea({ id: 'recommendations', label: 'Recommendations (optional)', hint: 'One recommendation a line.' })}
${textarea({ id: 'evidence', label: 'Evidence or outcome (optional)' })}
${radios({ id: 'polarity', legend: 'Kind of lesson (optional)', options: [
    { value: 'GOOD_PRACTICE', text: 'Good practice' },
    { value: 'AREA_FOR_IMPROVEMENT', text: 'Area for improvement' },
    { value: '', text: 'Not stated' },
  ] })}
${input({ id: 'project', label: 'Project or programme (optional)' })}
${input({ id: 'lifecycle-phase', label: 'Lifecycle phase (optional)', hint: 'For example, planning, pilot or live running.', width: 20 })}
${input({ id: 'topics', label: 'Topics (optional)', hint: 'Separate topics with commas, for example: mobile working, connectivity.' })}
${input({ id: 'tags', label: 'Tags (optional)', hint: 'Separate tags with commas.' })}
${date({ id: 'occurred-at', legend: 'When it happened (optional)', hint: 'For example, 27 3 2024' })}
${input({ id: 'external-ref', label: 'Reference in another system (optional)', hint: 'For example, the id of the lesson in a system it was copied from.', width: 20 })}
${radios({ id: 'status', legend: 'Status', options: kStatuses })}
<h2 class="govuk-heading-m">Who may see it</h2>
${radios({ id: 'marking', legend: 'Marking (Traffic Light Protocol)', hint: 'Your sharing policy for each peer applies too: a lesson goes to a peer only when both allow it.', options: kMarkingOptions })}
${input({ id: 'communities', label: 'Sharing communities (optional)', hint: 'Separate community names with commas, for example: mobile-working.' })}
${radios({ id: 'classification', legend: 'Government security classification', hint: 'The node records a lesson as OFFICIAL unless you choose otherwise.', options: [
    { value: 'OFFICIAL', text: 'OFFICIAL' },
    { value: 'OFFICIAL_SENSITIVE', text: 'OFFICIAL-SENSITIVE' },
  ] })}
<h2 class="govuk-heading-m">Only for your organisation</h2>
<p class="govuk-body">These never leave this node.</p>
${input({ id: 'contact', label: 'Who to ask about it (optional)', autocomplete: 'off' })}
${textarea({ id: 'internal-notes', label: 'Internal notes (optional)' })}
<div class="govuk-button-group">
<button type="submit" class="govuk-button" data-module="govuk-button">${editing ? 'Save changes' : 'Record lesson'}</button>
<a class="govuk-link" id="form-cancel" href="/">Cancel</a>
</div>
</form>
</div>
</div>
`;
}
