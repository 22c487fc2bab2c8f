// The record (/record) and edit (/edit?id=ID) pages: one lesson form. Every rule about what a
// lesson may hold is the node's: the page sends what was typed and shows the node's answer
// beside the field it names. It checks only what it must to build the request (a real date).

import * as api from './api.js';
import { byId, h, lessonHref, refusal } from './dom.js';
import { clearErrors, fieldIdOf, showErrors } from './form.js';
import { loadLesson } from './lesson-load.js';
import { startPage } from './page.js';

const form = byId('lesson-form');
const editing = form.dataset.mode === 'edit';
const errors = byId('form-errors');
const main = byId('main-content');
const params = new URLSearchParams(window.location.search);

// Field paths the node names (snake_case, without "lesson.") and the form control of each.
const kFieldIds = {
  title: 'title',
  summary: 'summary',
  driving_event: 'driving-event',
  lesson: 'lesson-text',
  recommendations: 'recommendations',
  evidence: 'evidence',
  polarity: 'polarity',
  project: 'project',
  lifecycle_phase: 'lifecycle-phase',
  topics: 'topics',
  tags: 'tags',
  occurred_at: 'occurred-at',
  external_ref: 'external-ref',
  status: 'status',
  marking: 'marking',
  communities: 'communities',
  classification: 'classification',
  'local.contact': 'contact',
  'local.internal_notes': 'internal-notes',
};

// The Lesson fields this form edits; any other field of an edited lesson is sent back as it was.
const kFormFields = [
  'title', 'summary', 'drivingEvent', 'lesson', 'recommendations', 'evidence', 'polarity',
  'project', 'lifecyclePhase', 'topics', 'tags', 'occurredAt', 'externalRef', 'status', 'marking',
  'communities', 'classification', 'local',
];

const text = (id) => byId(id).value.trim();
const lines = (id) => byId(id).value.split('\n').map((line) => line.trim()).filter(Boolean);
const commaList = (id) => byId(id).value.split(',').map((item) => item.trim()).filter(Boolean);
const checked = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value ?? '';

function setRadio(name, value) {
  for (const radio of form.querySelectorAll(`input[name="${name}"]`)) {
    radio.checked = radio.value === (value ?? '');
  }
}

// The date typed in the day, month and year boxes as an RFC 3339 timestamp (midnight UTC),
// '' when all three are empty, or null when they do not make a real date.
function occurredAt() {
  const parts = ['occurred-at', 'occurred-at-month', 'occurred-at-year'].map(text);
  if (parts.every((part) => part === '')) return '';
  if (!parts.every((part) => /^\d+$/.test(part))) return null;
  const [day, month, year] = parts.map(Number);
  const when = new Date(Date.UTC(year, month - 1, day));
  if (year < 1000 || when.getUTCFullYear() !== year || when.getUTCMonth() !== month - 1 ||
      when.getUTCDate() !== day) {
    return null;
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${
    String(day).padStart(2, '0')}T00:00:00Z`;
}

// What the form says, as Lesson fields; an empty field is absent.
function formValues() {
  const values = {
    title: text('title'),
    summary: text('summary'),
    drivingEvent: text('driving-event'),
    lesson: text('lesson-text'),
    recommendations: lines('recommendations'),
    evidence: text('evidence'),
    polarity: checked('polarity'),
    project: text('project'),
    lifecyclePhase: text('lifecycle-phase'),
    topics: commaList('topics'),
    tags: commaList('tags'),
    occurredAt: occurredAt(),
    externalRef: text('external-ref'),
    status: checked('status'),
    marking: checked('marking'),
    communities: commaList('communities'),
    classification: checked('classification'),
    local: { contact: text('contact'), internalNotes: text('internal-notes') },
  };
  if (!values.local.contact) delete values.local.contact;
  if (!values.local.internalNotes) delete values.local.internalNotes;
  for (const [key, value] of Object.entries(values)) {
    const empty = value === '' || (Array.isArray(value) && value.length === 0) ||
      (key === 'local' && Object.keys(value).length === 0);
    if (empty) delete values[key];
  }
  return values;
}

function fillForm(lesson) {
  byId('title').value = lesson.title ?? '';
  byId('summary').value = lesson.summary ?? '';
  byId('driving-event').value = lesson.drivingEvent ?? '';
  byId('lesson-text').value = lesson.lesson ?? '';
  byId('recommendations').value = (lesson.recommendations ?? []).join('\n');
  byId('evidence').value = lesson.evidence ?? '';
  setRadio('polarity', lesson.polarity);
  byId('project').value = lesson.project ?? '';
  byId('lifecycle-phase').value = lesson.lifecyclePhase ?? '';
  byId('topics').value = (lesson.topics ?? []).join(', ');
  byId('tags').value = (lesson.tags ?? []).join(', ');
  const when = lesson.occurredAt ? new Date(lesson.occurredAt) : null;
  if (when && !Number.isNaN(when.getTime())) {
    byId('occurred-at').value = String(when.getUTCDate());
    byId('occurred-at-month').value = String(when.getUTCMonth() + 1);
    byId('occurred-at-year').value = String(when.getUTCFullYear());
  }
  byId('external-ref').value = lesson.externalRef ?? '';
  setRadio('status', lesson.status);
  setRadio('marking', lesson.marking);
  byId('communities').value = (lesson.communities ?? []).join(', ');
  setRadio('classification', lesson.classification);
  byId('contact').value = lesson.local?.contact ?? '';
  byId('internal-notes').value = lesson.local?.internalNotes ?? '';
}

// The label a field has on this form, for messages: "Title", "Marking (Traffic Light Protocol)".
function labelOf(id) {
  const group = byId(`${id}-group`);
  const label = group?.querySelector('legend, label')?.textContent ?? '';
  return label.replace(/\s*\(optional\)\s*$/, '').trim();
}

// The node's message with the field path replaced by the field's label on this form:
// "lesson.title: is empty; ..." becomes "Title is empty; ...".
function sayWithLabel(error, id) {
  const label = id ? labelOf(id) : '';
  const cut = error.message.indexOf(': ');
  if (!label || cut < 0) return error.message;
  return `${label} ${error.message.slice(cut + 2)}`;
}

async function explainConflict(error, lesson) {
  if (/retracted/.test(error.message)) {
    return {
      message: 'This lesson was retracted meanwhile. Your changes have not been saved.',
      extra: [' ', h('a', { class: 'govuk-link', href: lessonHref(lesson.id) }, 'See the lesson')],
    };
  }
  let version = error.message.match(/stored version (\d+)/)?.[1];
  if (!version) {
    try {
      version = (await api.getLesson(lesson.id)).version;
    } catch {
      version = 'unknown';
    }
  }
  return {
    message: `Someone edited this lesson meanwhile (now version ${version}). ` +
      'Your changes have not been saved.',
    extra: h('p', { class: 'govuk-body cairn-summary-extra' },
      'Copy anything you want to keep, then ',
      h('a', { class: 'govuk-link', href: `/edit?id=${encodeURIComponent(lesson.id)}` },
        'reload the lesson with their changes'), '.'),
  };
}

async function report(error, original) {
  if (!(error instanceof api.ApiError)) throw error;
  if (error.code === 'FAILED_PRECONDITION' && editing) {
    const { message, extra } = await explainConflict(error, original);
    showErrors(errors, [{ id: '', message, extra }]);
    return;
  }
  if (error.code === 'INVALID_ARGUMENT') {
    const id = fieldIdOf(error.field || error.message.split(': ')[0], kFieldIds, 'lesson.');
    showErrors(errors, [{ id, message: sayWithLabel(error, id) }]);
    return;
  }
  // 413 (too large) shares RESOURCE_EXHAUSTED with 429 (busy), but waiting does not help it.
  const prefix = error.status === 413 ? 'The lesson was not saved: ' : {
    PERMISSION_DENIED: 'You cannot change this lesson: ',
    UNAVAILABLE: 'The lesson was not saved. ',
    RESOURCE_EXHAUSTED: 'The node is busy and did not save the lesson. Try again in a moment. ',
  }[error.code] ?? 'The lesson was not saved: ';
  showErrors(errors, [{ id: '', message: `${prefix}${error.message}` }]);
}

// The lesson to edit, or null when the page explained why there is none to edit.
async function loadForEdit(who) {
  const id = params.get('id') ?? '';
  const lesson = await loadLesson(main, id, 'edit');
  if (!lesson) return null;
  const back = { href: lessonHref(id), text: 'Back to the lesson' };
  if (lesson.status === 'RETRACTED') {
    refusal(main, 'This lesson cannot be edited', 'It has been retracted.', back);
    return null;
  }
  if (!api.mayChange(who, lesson)) {
    refusal(main, 'You cannot edit this lesson', api.isEditor(who)
      ? `Only editors of ${lesson.originOrg ?? 'its organisation'} can change it.`
      : 'Only editors can change lessons, and your role is analyst.', back);
    return null;
  }
  return lesson;
}

async function run() {
  const who = await startPage(editing ? '' : 'record');
  let original = null;
  if (editing) {
    original = await loadForEdit(who);
    if (!original) return;
    const title = original.title?.trim() || 'Untitled lesson';
    document.title = `Edit: ${title} - Cairn`;
    byId('form-caption').textContent = `${title} (version ${original.version ?? '?'})`;
    byId('form-cancel').setAttribute('href', lessonHref(original.id));
    fillForm(original);
    form.hidden = false;
  } else {
    if (!api.isEditor(who)) {
      refusal(main, 'You cannot record lessons',
        'Only editors can record lessons, and your role is analyst.',
        { href: '/', text: 'Search for lessons' });
      return;
    }
    setRadio('status', 'OBSERVATION');
    // What the node records when none is chosen; a lesson always has a classification.
    setRadio('classification', 'OFFICIAL');
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const values = formValues();
    if (values.occurredAt === null) {
      showErrors(errors, [{
        id: 'occurred-at',
        message: 'When it happened must be a real date, for example 27 3 2024',
      }]);
      return;
    }
    busy = true;
    try {
      let saved;
      if (editing) {
        const edit = { ...original };
        for (const key of kFormFields) delete edit[key];
        for (const key of ['provenance', 'createdAt', 'updatedAt']) delete edit[key];
        saved = await api.updateLesson({ ...edit, ...values });
      } else {
        saved = await api.createLesson(values);
      }
      clearErrors(errors);
      window.location.assign(`${lessonHref(saved.id)}&done=${editing ? 'edited' : 'recorded'}`);
    } catch (error) {
      await report(error, original);
    } finally {
      busy = false;
    }
  });
}

run();
