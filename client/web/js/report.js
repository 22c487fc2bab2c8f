// The report page: the form's period becomes a ReportRequest; the answer's figures are shown as
// a summary list, and its HTML is offered as a download (the page itself is self-contained).

import * as api from './api.js';
import { byId, fill, h, plural, refusal, summaryRow } from './dom.js';
import { clearErrors, showErrors } from './form.js';
import { startPage } from './page.js';

const errors = byId('form-errors');
const result = byId('report-result');

// The date in the day, month and year boxes of `id`, as midnight UTC; null when not a date.
function dateOf(id) {
  const day = Number(byId(id).value);
  const month = Number(byId(`${id}-month`).value);
  const year = Number(byId(`${id}-year`).value);
  const at = new Date(Date.UTC(year, month - 1, day));
  if (!day || !month || !year || at.getUTCDate() !== day || at.getUTCMonth() !== month - 1) {
    return null;
  }
  return at;
}

function showReport(report) {
  const figures = report.figures ?? {};
  const file = new Blob([report.html ?? ''], { type: 'text/html' });
  const name = `lessons-report-${report.orgId}.html`;
  fill(result,
    h('h2', { class: 'govuk-heading-m', id: 'report-heading', tabindex: '-1' }, 'Your report'),
    h('dl', { class: 'govuk-summary-list', id: 'report-figures' },
      summaryRow('Lessons', String(figures.lessons ?? 0)),
      summaryRow('Good practice', String(figures.goodPractice ?? 0)),
      summaryRow('Areas for improvement', String(figures.areasForImprovement ?? 0)),
      summaryRow('Learned (remedy working)', String(figures.learned ?? 0)),
      summaryRow('Identified (remedy proposed)', String(figures.identified ?? 0)),
      summaryRow('Recommendations', String(figures.recommendations ?? 0)),
      summaryRow('Adopted elsewhere',
        `${plural(figures.adoptedElsewhere ?? 0, 'lesson')}, by ${plural(figures.adoptingOrganisations ?? 0, 'organisation')} in ${plural(figures.adoptingSectors ?? 0, 'sector')}`)),
    h('p', { class: 'govuk-body' },
      h('a', { class: 'govuk-link', id: 'report-download', href: URL.createObjectURL(file), download: name },
        'Download the report (HTML, ', String(Math.ceil(file.size / 1024)), ' KB)'),
      ': open it in your browser to read or print it.'));
  byId('report-heading').focus();
}

async function run() {
  const who = await startPage('report');
  if (!api.mayRead(who)) {
    refusal(byId('main-content'), 'You cannot make reports',
      'Reports are for analysts, editors and admins.', { href: '/speak-up', text: 'Tell us what you noticed' });
    return;
  }
  const form = byId('report-form');
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const since = dateOf('since');
    const until = dateOf('until');
    const problems = [];
    if (!since) problems.push({ id: 'since', message: 'Enter the first day as a real date, for example 1 4 2026' });
    if (!until) problems.push({ id: 'until', message: 'Enter the last day as a real date, for example 31 3 2027' });
    if (problems.length) {
      showErrors(errors, problems);
      return;
    }
    const request = {
      since: since.toISOString(),
      until: new Date(until.getTime() + 24 * 60 * 60 * 1000).toISOString(),
    };
    const project = byId('project').value.trim();
    const topic = byId('topic').value.trim();
    if (project) request.project = project;
    if (topic) request.topic = topic;
    busy = true;
    try {
      const report = await api.buildReport(request);
      clearErrors(errors);
      showReport(report);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      const field = ['since', 'until', 'project', 'topic'].includes(error.field) ? error.field : '';
      showErrors(errors, [{ id: field, message: error.message }]);
    } finally {
      busy = false;
    }
  });
}

run();
