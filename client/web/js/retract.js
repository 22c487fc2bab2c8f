// The retract page (/retract?id=ID): editors of the lesson's organisation say why, and the node
// marks it RETRACTED and tells every peer holding a copy to delete it.

import * as api from './api.js';
import { byId, h, lessonHref, refusal } from './dom.js';
import { fieldIdOf, showErrors, withoutField } from './form.js';
import { loadLesson } from './lesson-load.js';
import { startPage } from './page.js';

const form = byId('retract-form');
const errors = byId('form-errors');
const main = byId('main-content');
const id = new URLSearchParams(window.location.search).get('id') ?? '';

function refuse(heading, why) {
  refusal(main, heading, why, { href: lessonHref(id), text: 'Back to the lesson' });
}

async function run() {
  const who = await startPage('');
  const lesson = await loadLesson(main, id, 'retract');
  if (!lesson) return;
  if (lesson.status === 'RETRACTED') {
    refuse('This lesson is already retracted', 'Nothing more needs doing.');
    return;
  }
  if (!api.mayChange(who, lesson)) {
    refuse('You cannot retract this lesson', api.isEditor(who)
      ? `Only editors of ${lesson.originOrg ?? 'its organisation'} can retract it.`
      : 'Only editors can retract lessons, and your role is analyst.');
    return;
  }
  const title = lesson.title?.trim() || 'Untitled lesson';
  document.title = `Retract: ${title} - Cairn`;
  byId('form-caption').textContent = title;
  byId('form-cancel').setAttribute('href', lessonHref(id));
  form.hidden = false;

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const reason = byId('reason').value.trim();
    if (!reason) {
      showErrors(errors, [{ id: 'reason', message: 'Enter why you are retracting this lesson' }]);
      return;
    }
    busy = true;
    try {
      await api.retractLesson(id, reason);
      window.location.assign(`${lessonHref(id)}&done=retracted`);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      if (error.code === 'FAILED_PRECONDITION' && /retracted/.test(error.message)) {
        // Someone else retracted it after this page opened: nothing is left to do.
        showErrors(errors, [{
          id: '',
          message: 'Someone retracted this lesson meanwhile, so it was not retracted again.',
          extra: [' ', h('a', { class: 'govuk-link', href: lessonHref(id) },
            'See the lesson and their reason')],
        }]);
        return;
      }
      const field = fieldIdOf(error.field, { reason: 'reason' });
      showErrors(errors, [{
        id: field,
        message: field ? `The reason ${withoutField(error.message)}`
          : `The lesson was not retracted: ${error.message}`,
      }]);
    } finally {
      busy = false;
    }
  });
}

run();
