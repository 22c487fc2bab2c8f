// The import page (/import): reads a JSON Lines file of lessons in the browser and sends them to
// the node in batches of at most 100 lessons and 3 MiB, one ImportLessons call each. The node stores each batch as one durable
// write and answers every item's outcome, so one bad line never stops the rest. Progress is
// announced politely; the lines not imported are listed at the end with the node's reason.

import * as api from './api.js';
import { byId, fill, filterTerm, formatNumber, h, refusal } from './dom.js';
import { clearErrors, showErrors } from './form.js';
import { startPage } from './page.js';

const kBatch = 100;
// The node refuses a request body over 4 MiB (HTTP 413) and a lesson may be 256 KiB encoded, more
// as JSON: 100 large lessons would be refused whole, so a batch also stops short of 3 MiB of JSON.
const kBatchBytes = 3 * 1024 * 1024;
const kRetries = 3;  // for RESOURCE_EXHAUSTED: the node refused the batch before doing anything

const form = byId('import-form');
const errors = byId('form-errors');
const progress = byId('import-progress');
const reportArea = byId('import-report');

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// The file's lessons as ImportLessons items, and the lines that are not lessons at all.
function parse(text) {
  const items = [];
  const failures = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const number = index + 1;
    let lesson;
    try {
      lesson = JSON.parse(line);
    } catch {
      failures.push({ line: number, title: '', problem: 'This line is not valid JSON' });
      return;
    }
    if (lesson === null || typeof lesson !== 'object' || Array.isArray(lesson)) {
      failures.push({ line: number, title: '', problem: 'This line is not a JSON object' });
      return;
    }
    items.push({ clientRef: String(number), lesson });
  });
  return { items, failures };
}

// `items` cut into batches of at most kBatch items and, unless one item alone is larger,
// kBatchBytes of JSON (UTF-8).
function batchesOf(items) {
  const encoder = new TextEncoder();
  const batches = [];
  let batch = [];
  let bytes = 0;
  for (const item of items) {
    const size = encoder.encode(JSON.stringify(item)).length + 1;  // and its comma
    if (batch.length > 0 && (batch.length >= kBatch || bytes + size > kBatchBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

function titleOf(item) {
  return typeof item?.lesson?.title === 'string' ? item.lesson.title : '';
}

// The node's refusal of a request of one line, said of that line: "request body: not a
// cairn.v1.ImportLessonsRequest in JSON: (items[0].lesson.marking): invalid value ..." becomes
// "This line is not a lesson Cairn can read: marking: invalid value ...".
function lineProblem(message) {
  const detail = message.replace(/^request body: not a \S+ in JSON: /, '');
  if (detail === message) return message;
  return `This line is not a lesson Cairn can read: ${detail
    .replace(/\(?items\[0\]\.lesson\.([\w.[\]]+)\)?/g, '$1')
    .replace(/type\.googleapis\.com\//g, '')}`;
}

// Sends one batch; resolves to the failures among its items and the number imported.
async function sendBatch(batch) {
  let answer;
  for (let attempt = 0; ; attempt += 1) {
    try {
      answer = await api.importLessons(batch);
      break;
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.status === 413 && batch.length > 1) {
        // Still too large for the node (lines far bigger than a lesson may be): send the lines one
        // by one so only those too large alone fail. Waiting would not help, so no retry.
        return sendOneByOne(batch);
      }
      if (error.code === 'RESOURCE_EXHAUSTED' && error.status !== 413 && attempt < kRetries) {
        await sleep(1000 * 2 ** attempt);
        continue;
      }
      if (['PERMISSION_DENIED', 'UNAUTHENTICATED'].includes(error.code)) {
        throw error;  // every batch would fail alike
      }
      if (error.code === 'INVALID_ARGUMENT' && batch.length > 1) {
        // The request as a whole was refused (a line that is no Lesson in JSON, e.g. an unknown
        // field or enum value): send the lines one by one so only the bad ones fail.
        return sendOneByOne(batch);
      }
      const unsure = ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL', 'UNKNOWN'].includes(error.code);
      return {
        imported: 0,
        failures: batch.map((item) => ({
          line: Number(item.clientRef),
          title: titleOf(item),
          problem: unsure
            ? `The node did not confirm this line (${error.message}). Check whether it was imported before trying it again.`
            : error.status === 413
              ? 'This line is too large to send: the node takes at most 4 MiB at once'
              : lineProblem(error.message),
        })),
      };
    }
  }
  const byRef = new Map((answer.results ?? []).map((result) => [String(result.clientRef ?? ''), result]));
  let imported = 0;
  const failures = [];
  for (const item of batch) {
    const result = byRef.get(item.clientRef);
    if (result?.id) {
      imported += 1;
      continue;
    }
    const code = api.kRpcCodeNames[Number(result?.errorCode ?? 2)] ?? 'UNKNOWN';
    failures.push({
      line: Number(item.clientRef),
      title: titleOf(item),
      problem: result ? `${result.errorMessage || 'refused'} (${code})` : 'The node gave no answer for this line',
    });
  }
  return { imported, failures };
}

async function sendOneByOne(batch) {
  let imported = 0;
  const failures = [];
  for (const item of batch) {
    const outcome = await sendBatch([item]);
    imported += outcome.imported;
    failures.push(...outcome.failures);
  }
  return { imported, failures };
}

function say(imported, total, failed) {
  progress.textContent = `Imported ${formatNumber(imported)} of ${formatNumber(total)} - ${
    formatNumber(failed)} failed`;
}

function report(imported, total, failures, stopped, orgId) {
  failures.sort((a, b) => a.line - b.line);
  const heading = h('h2', { class: 'govuk-heading-m', tabindex: '-1', id: 'import-done' },
    stopped ? 'Import stopped' : 'Import finished');
  fill(reportArea,
    heading,
    h('p', { class: 'govuk-body' }, `${formatNumber(imported)} of ${formatNumber(total)} ${
      total === 1 ? 'lesson was' : 'lessons were'} imported.`),
    failures.length === 0
      ? h('p', { class: 'govuk-body' }, 'Every lesson in the file was imported.')
      : h('table', { class: 'govuk-table' },
        h('caption', { class: 'govuk-table__caption govuk-table__caption--s' },
          `${formatNumber(failures.length)} ${failures.length === 1 ? 'line was' : 'lines were'} not imported`),
        h('thead', { class: 'govuk-table__head' }, h('tr', { class: 'govuk-table__row' },
          h('th', { scope: 'col', class: 'govuk-table__header govuk-table__header--numeric' }, 'Line'),
          h('th', { scope: 'col', class: 'govuk-table__header' }, 'Title'),
          h('th', { scope: 'col', class: 'govuk-table__header' }, 'Problem'))),
        h('tbody', { class: 'govuk-table__body' }, failures.map((failure) =>
          h('tr', { class: 'govuk-table__row' },
            h('td', { class: 'govuk-table__cell govuk-table__cell--numeric' }, formatNumber(failure.line)),
            h('td', { class: 'govuk-table__cell' }, failure.title),
            h('td', { class: 'govuk-table__cell' }, failure.problem))))),
    h('p', { class: 'govuk-body' },
      h('a', { class: 'govuk-link', href: `/?q=${encodeURIComponent(filterTerm('org', orgId) ?? '')}&scope=local` },
        'See your organisation’s lessons')));
  heading.focus();
}

async function run() {
  const who = await startPage('import');
  if (!api.isEditor(who)) {
    refusal(byId('main-content'), 'You cannot import lessons',
      'Only editors can import lessons, and your role is analyst.',
      { href: '/', text: 'Search for lessons' });
    return;
  }
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    // GOV.UK's file upload script gives the id "file" to its button and moves the input's.
    const file = form.querySelector('input[type="file"]').files?.[0];
    if (!file) {
      showErrors(errors, [{ id: 'file', message: 'Select a JSON Lines file of lessons' }]);
      return;
    }
    busy = true;
    clearErrors(errors);
    reportArea.replaceChildren();
    try {
      const { items, failures } = parse(await file.text());
      const total = items.length + failures.length;
      if (total === 0) {
        showErrors(errors, [{ id: 'file', message: 'The selected file has no lessons in it' }]);
        return;
      }
      let imported = 0;
      let stopped = false;
      say(imported, total, failures.length);
      const batches = batchesOf(items);
      for (const [index, batch] of batches.entries()) {
        try {
          const outcome = await sendBatch(batch);
          imported += outcome.imported;
          failures.push(...outcome.failures);
        } catch (error) {
          if (!(error instanceof api.ApiError)) throw error;
          showErrors(errors, [{ id: '', message: `The import stopped: ${error.message}` }]);
          for (const item of batches.slice(index).flat()) {
            failures.push({ line: Number(item.clientRef), title: titleOf(item), problem: 'Not sent: the import stopped' });
          }
          stopped = true;
          break;
        }
        say(imported, total, failures.length);
      }
      report(imported, total, failures, stopped, who.orgId ?? '');
    } finally {
      busy = false;
    }
  });
}

run();
