// How a submitted observation (LessonService's Submission) reads on the speak-up and review pages.

import { h } from './dom.js';

const kStates = {
  PENDING: { text: 'Awaiting review', colour: 'yellow' },
  PROMOTED: { text: 'Made a lesson', colour: 'green' },
  MERGED: { text: 'Merged', colour: 'blue' },
  DECLINED: { text: 'Not taken forward', colour: 'grey' },
};

export function stateTag(state) {
  const known = kStates[state] ?? kStates.PENDING;
  const classes = known.colour === 'blue' ? 'govuk-tag' : `govuk-tag govuk-tag--${known.colour}`;
  return h('strong', { class: classes }, known.text);
}

// Who sent it, as an editor may know: a confidential submitter is not named.
export function submitterText(submission) {
  return submission.confidential ? 'a verified member of staff' : (submission.submitter ?? '');
}

// What became of it, in a sentence, for the person who sent it.
export function outcomeText(submission) {
  switch (submission.state) {
    case 'PROMOTED':
      return `${submission.reviewedBy} made it a lesson.`;
    case 'MERGED':
      return `${submission.reviewedBy} found an existing lesson says the same: ${submission.mergedInto}.`;
    case 'DECLINED':
      return `${submission.reviewedBy} did not take it forward: ${submission.declineReason}`;
    default:
      return 'An editor has not reviewed it yet.';
  }
}
