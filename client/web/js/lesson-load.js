// The lesson a page is about (?id=ID), fetched once for the lesson, edit and retract pages.

import * as api from './api.js';
import { failed, notFound } from './dom.js';

// The lesson with `id`, or null when `main` now says why there is none: the link names no
// lesson, this node holds no such lesson (a malformed id is just as absent), or the node could
// not be asked. `verb` says what the page does with it: 'show', 'edit', 'retract'.
export async function loadLesson(main, id, verb) {
  if (!id) {
    notFound(main, `The link does not say which lesson to ${verb}.`);
    return null;
  }
  try {
    return await api.getLesson(id);
  } catch (error) {
    if (!(error instanceof api.ApiError)) throw error;
    if (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT') {
      notFound(main, `This node holds no lesson with the id ${id}.`);
    } else {
      failed(main, error, 'Opening the lesson');
    }
    return null;
  }
}
