// The lesson page (/lesson?id=ID): every field of the lesson the node sends, its handling and
// provenance, and for editors of its own organisation the links to edit or retract it.
// The node leaves out what the caller may not see (local-only fields off the origin node), so
// the page shows what is present and nothing else.

import * as api from './api.js';
import {
  byId, fill, filterTerm, formatDate, formatDateTime, h, kClassifications, kPolarities,
  markingTag, markingText, paragraphs, statusTag, statusText, successBanner, summaryRow,
} from './dom.js';
import { feedbackSection } from './lesson-feedback.js';
import { heldBy, historySection } from './lesson-history.js';
import { loadLesson } from './lesson-load.js';
import { startPage } from './page.js';

const params = new URLSearchParams(window.location.search);
const id = params.get('id') ?? '';
const main = byId('lesson');

// Fields this page renders by name; anything else the node sends goes under "Other fields".
const kKnownFields = new Set([
  'id', 'originOrg', 'originSector', 'version', 'createdAt', 'updatedAt', 'title', 'summary',
  'drivingEvent', 'lesson', 'recommendations', 'evidence', 'polarity', 'project',
  'lifecyclePhase', 'topics', 'tags', 'occurredAt', 'externalRef', 'status', 'retractionReason',
  'marking', 'communities', 'classification', 'local', 'provenance',
]);

// What an editor just did, as the confirmation banner says it (?done= after a redirect), and
// whether the lesson as read now bears it out: the URL is only a claim, which anyone can link to.
const kDone = {
  recorded: { heading: 'Lesson recorded', shows: (lesson) => Number(lesson.version) === 1 },
  edited: { heading: 'Your changes have been saved', shows: (lesson) => Number(lesson.version) > 1 },
  retracted: { heading: 'Lesson retracted', shows: (lesson) => lesson.status === 'RETRACTED' },
};

function hasText(value) {
  return typeof value === 'string' && value.trim() !== '';
}

// A section of summary-list rows, left out when it has no rows.
function section(title, rows) {
  const present = rows.filter(Boolean);
  if (present.length === 0) return null;
  return [
    h('h2', { class: 'govuk-heading-m' }, title),
    h('dl', { class: 'govuk-summary-list' }, present),
  ];
}

function textRow(key, value) {
  return hasText(value) ? summaryRow(key, paragraphs(value)) : null;
}

function listRow(key, values, render = (value) => value) {
  const present = (values ?? []).filter(hasText);
  if (present.length === 0) return null;
  return summaryRow(key, h('ul', { class: 'govuk-list' }, present.map((value) => h('li', {}, render(value)))));
}

function topicLink(topic) {
  const term = filterTerm('topic', topic);
  if (!term) return topic;
  return h('a', { class: 'govuk-link', href: `/?q=${encodeURIComponent(term)}&scope=local` }, topic);
}

// Values of fields this page does not know, shown as the node sent them.
function otherValue(value) {
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 1);
}

function confirmation(done, lesson) {
  const claim = Object.hasOwn(kDone, done) ? kDone[done] : null;
  if (!claim?.shows(lesson)) return null;
  return successBanner(claim.heading);
}

function retractionBanner(lesson) {
  return h('div', {
    class: 'govuk-notification-banner',
    role: 'region',
    'aria-labelledby': 'retracted-title',
    'data-module': 'govuk-notification-banner',
  },
  h('div', { class: 'govuk-notification-banner__header' },
    h('h2', { class: 'govuk-notification-banner__title', id: 'retracted-title' }, 'Important')),
  h('div', { class: 'govuk-notification-banner__content' },
    h('p', { class: 'govuk-notification-banner__heading' },
      'This lesson has been retracted by its organisation'),
    hasText(lesson.retractionReason)
      ? h('p', { class: 'govuk-body cairn-pre-line' }, `Reason: ${lesson.retractionReason}`)
      : h('p', { class: 'govuk-body' }, 'No reason was given.'),
    h('p', { class: 'govuk-body' }, 'Do not act on it without checking with its organisation.')));
}

// The lesson's history, or {failed: ApiError} when the node would not give it: the lesson is
// still worth showing without.
async function historyOf(lessonId) {
  try {
    return await api.getLessonHistory(lessonId);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    return { failed: error };
  }
}

function render(lesson, who, history) {
  const title = hasText(lesson.title) ? lesson.title : 'Untitled lesson';
  document.title = `${title} - Cairn`;
  const retracted = lesson.status === 'RETRACTED';
  const origin = [lesson.originOrg, hasText(lesson.originSector) ? `(${lesson.originSector})` : '']
    .filter(Boolean).join(' ');
  const editable = !retracted && api.mayChange(who, lesson);
  const provenance = lesson.provenance ?? {};
  const signed = hasText(provenance.algorithm) || hasText(provenance.signature);
  const others = Object.keys(lesson).filter((key) => !kKnownFields.has(key)).sort();

  fill(main,
    confirmation(params.get('done'), lesson),
    retracted ? retractionBanner(lesson) : null,
    origin ? h('span', { class: 'govuk-caption-l' }, `From ${origin}`) : null,
    h('h1', { class: 'govuk-heading-l' }, title),
    h('p', { class: 'cairn-tags cairn-tags--page' }, markingTag(lesson.marking), ' ', statusTag(lesson.status)),
    editable ? h('div', { class: 'govuk-button-group cairn-actions' },
      h('a', { class: 'govuk-button govuk-button--secondary', href: `/edit?id=${encodeURIComponent(lesson.id)}`, role: 'button', draggable: 'false' },
        'Edit', h('span', { class: 'govuk-visually-hidden' }, ' this lesson')),
      h('a', { class: 'govuk-button govuk-button--warning', href: `/retract?id=${encodeURIComponent(lesson.id)}`, role: 'button', draggable: 'false' },
        'Retract', h('span', { class: 'govuk-visually-hidden' }, ' this lesson'))) : null,
    h('p', { class: 'govuk-body', id: 'more-like-this' },
      h('a', { class: 'govuk-link', href: `/?like=${encodeURIComponent(lesson.id)}&scope=local` },
        'More like this', h('span', { class: 'govuk-visually-hidden' }, ' lesson')),
      ' (other sectors first), or ',
      h('a', { class: 'govuk-link', href: `/?like=${encodeURIComponent(lesson.id)}&scope=federation` },
        'across the federation')),
    section('The lesson', [
      textRow('Summary', lesson.summary),
      textRow('What happened', lesson.drivingEvent),
      textRow('What was learned', lesson.lesson),
      (lesson.recommendations ?? []).some(hasText)
        ? summaryRow('Recommendations', h('ol', { class: 'govuk-list govuk-list--number' },
          lesson.recommendations.filter(hasText).map((text) =>
            h('li', { class: 'cairn-pre-line' }, text))))
        : null,
      textRow('Evidence or outcome', lesson.evidence),
      kPolarities[lesson.polarity] ? summaryRow('Kind', kPolarities[lesson.polarity]) : null,
      textRow('Project or programme', lesson.project),
      textRow('Lifecycle phase', lesson.lifecyclePhase),
      listRow('Topics', lesson.topics, topicLink),
      listRow('Tags', lesson.tags),
      lesson.occurredAt ? summaryRow('Happened on', formatDate(lesson.occurredAt)) : null,
      textRow('Reference in the system it came from', lesson.externalRef),
    ]),
    section('Handling', [
      summaryRow('Marking', markingText(lesson.marking)),
      kClassifications[lesson.classification]
        ? summaryRow('Classification', kClassifications[lesson.classification]) : null,
      listRow('Communities', lesson.communities),
      summaryRow('Status', statusText(lesson.status)),
      retracted ? summaryRow('Reason for retraction',
        hasText(lesson.retractionReason) ? lesson.retractionReason : 'None given') : null,
    ]),
    section('Provenance', [
      summaryRow('Lesson id', lesson.id ?? id),
      lesson.version ? summaryRow('Version', String(lesson.version)) : null,
      lesson.originOrg ? summaryRow('Origin organisation', lesson.originOrg) : null,
      hasText(lesson.originSector) ? summaryRow('Origin sector', lesson.originSector) : null,
      lesson.createdAt ? summaryRow('Recorded', formatDateTime(lesson.createdAt)) : null,
      lesson.updatedAt ? summaryRow('Last changed', formatDateTime(lesson.updatedAt)) : null,
      summaryRow('Signed by', signed
        ? `${lesson.originOrg ?? 'its origin'}, with ${provenance.algorithm || 'an unnamed algorithm'}`
        : 'Not signed'),
      provenance.signedAt ? summaryRow('Signed at', formatDateTime(provenance.signedAt)) : null,
      history.failed ? null : summaryRow('Held by', heldBy(history, who)),
    ]),
    feedbackSection(lesson, who),
    history.failed
      ? h('p', { class: 'govuk-body' }, `The lesson's history could not be read: ${history.failed.message}`)
      : historySection(history, lesson, who),
    lesson.local ? section('Only on this node', [
      textRow('Contact', lesson.local.contact),
      textRow('Internal notes', lesson.local.internalNotes),
    ]) : null,
    others.length ? section('Other fields', others.map((key) =>
      summaryRow(key, h('span', { class: 'cairn-pre-line' }, otherValue(lesson[key]))))) : null,
    h('p', { class: 'govuk-body' }, h('a', { class: 'govuk-link', href: '/' }, 'Search for lessons')));
  main.querySelector('.govuk-notification-banner--success')?.focus();
}

async function run() {
  const who = await startPage('');
  const lesson = await loadLesson(main, id, 'show');
  if (lesson) render(lesson, who, await historyOf(lesson.id ?? id));
}

run();
