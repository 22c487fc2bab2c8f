// The one module that talks to the node. Every call is `POST /api/<gRPC method>` with the request
// message in protobuf's JSON mapping and the X-Cairn-Console header (the node refuses calls
// without it, so a cross-site form cannot make one). Answers are the response message as JSON;
// unset fields are absent, so callers default everything. uint64 fields are JSON strings.
//
// Failures are thrown as ApiError, whichever way they happen: the node's own error body
// ({code, message, field}), an answer that is not JSON (a proxy's page), or no answer at all.

const kHeaders = {
  'Content-Type': 'application/json',
  'X-Cairn-Console': '1',
};

// The gRPC code the node maps to each HTTP status, for answers without a JSON error body.
const kCodeOfStatus = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  413: 'RESOURCE_EXHAUSTED',  // the request body is over the node's limit (4 MiB), as gRPC says it
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

// google.rpc.Code numbers, as ImportLessonsResponse reports them, by name.
export const kRpcCodeNames = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND',
  'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED',
  'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

// A call that did not succeed. `code` is a gRPC code name ("INVALID_ARGUMENT"); `field` is the
// field the node named ("lesson.title"), or '' when it named none; `status` is the HTTP status,
// 0 when the node could not be reached.
export class ApiError extends Error {
  constructor({ status = 0, code = 'UNKNOWN', message = '', field = '' }) {
    super(message || code);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function post(path, body, signal) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: kHeaders,
      body: JSON.stringify(body ?? {}),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError({
      code: 'UNAVAILABLE',
      message: 'The node could not be reached. Check your connection and try again.',
    });
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

// The ApiError for a failed answer, from its JSON body when it has one.
async function errorOf(response) {
  const fallback = {
    status: response.status,
    code: kCodeOfStatus[response.status] ?? (response.status >= 500 ? 'INTERNAL' : 'UNKNOWN'),
    message: response.status === 413
      ? 'The request was too large: the node takes at most 4 MiB at once'
      : `The node answered ${response.status} ${response.statusText}`.trim(),
  };
  try {
    const body = await response.json();
    return new ApiError({
      status: response.status,
      code: typeof body.code === 'string' ? body.code : fallback.code,
      message: typeof body.message === 'string' ? body.message : fallback.message,
      field: typeof body.field === 'string' ? body.field : '',
    });
  } catch {
    return new ApiError(fallback);
  }
}

// Exported for the typed helpers of other services (admin-api.js).
export async function call(method, request, signal) {
  const response = await post(`/api/${method}`, request, signal);
  try {
    return await response.json();
  } catch {
    throw new ApiError({
      status: response.status,
      code: 'INTERNAL',
      message: 'The node sent an answer this page cannot read.',
    });
  }
}

let sessionPromise = null;

// Who the caller is: {federation, orgId, sector, user, role}. Asked once per page.
export function session() {
  sessionPromise ??= call('console/Session', {});
  return sessionPromise;
}

// True when the role may read and search lessons: every role but contributor, which may only
// send observations (speak up) and follow its own.
export function mayRead(who) {
  return ['ANALYST', 'EDITOR', 'ADMIN'].includes(who?.role);
}

// True when the role may record, edit and retract this organisation's lessons.
export function isEditor(who) {
  return who?.role === 'EDITOR' || who?.role === 'ADMIN';
}

// True when the role may administer this node: its peers, their policies and the audit log.
export function isAdmin(who) {
  return who?.role === 'ADMIN';
}

// True when `who` may edit or retract `lesson`: an editor of its origin organisation.
export function mayChange(who, lesson) {
  return isEditor(who) && !!lesson?.originOrg && lesson.originOrg === who.orgId;
}

export function getLesson(id) {
  return call('cairn.v1.LessonService/GetLesson', { id });
}

// {events: [{version, kind, at}], moreEvents, sources: [{org, version, path}], sentTo: [...]}
export function getLessonHistory(id) {
  return call('cairn.v1.LessonService/GetLessonHistory', { id });
}

export function createLesson(lesson) {
  return call('cairn.v1.LessonService/CreateLesson', { lesson });
}

// `lesson` carries the id and the version the edit is based on.
export function updateLesson(lesson) {
  return call('cairn.v1.LessonService/UpdateLesson', { lesson });
}

export function retractLesson(id, reason) {
  return call('cairn.v1.LessonService/RetractLesson', { id, reason });
}

// One ImportLessonsRequest ({items: [{clientRef, lesson}]}) and its one ImportLessonsResponse.
export function importLessons(items) {
  return call('cairn.v1.LessonService/ImportLessons', { items });
}

// Local search: {query, pageSize, pageToken} -> SearchResponse.
export function search(request, signal) {
  return call('cairn.v1.SearchService/Search', request, signal);
}

// Federated search: calls `onEvent` with each FederatedSearchEvent ({peer: {...}} as each node
// answers, then {result: {...}}) as its line arrives, and resolves when the stream ends. A line
// {error: {code, message}} (the search failed midway) is thrown as ApiError.
export async function federatedSearch(request, onEvent, signal) {
  const response = await post('/api/cairn.v1.SearchService/FederatedSearch', request, signal);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  const deliver = (line) => {
    if (line.trim() === '') return;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      throw new ApiError({
        status: response.status,
        code: 'INTERNAL',
        message: 'The node sent a search answer this page cannot read.',
      });
    }
    if (event.error) {
      throw new ApiError({
        status: response.status,
        code: event.error.code ?? 'UNKNOWN',
        message: event.error.message ?? '',
        field: event.error.field ?? '',
      });
    }
    onEvent(event);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      deliver(line);
    }
  }
  pending += decoder.decode();
  deliver(pending);
}

// Speak up: `observation` is a lesson's content (title, drivingEvent, lesson); the node makes it
// RED and OBSERVATION. Resolves to the Submission.
export function submitObservation(observation, confidential) {
  return call('cairn.v1.LessonService/SubmitObservation', { observation, confidential });
}

// {submissions: [Submission], nextPageToken}: the caller's own, newest first.
export function listMySubmissions(pageToken = '') {
  return call('cairn.v1.LessonService/ListMySubmissions', pageToken ? { pageToken } : {});
}

// {submissions, nextPageToken}: those awaiting review, oldest first (editors).
export function listObservationQueue(pageToken = '') {
  return call('cairn.v1.LessonService/ListObservationQueue', pageToken ? { pageToken } : {});
}

// `decision` is {promote: {status, marking, topics}}, {merge: {into}} or {decline: {reason}}.
export function reviewObservation(lessonId, decision) {
  return call('cairn.v1.LessonService/ReviewObservation', { lessonId, ...decision });
}

// {alerts: [Alert], unreadCount, nextBefore, readThrough}: the caller's alerts, newest first,
// those with cursors below `before` ('' for the newest).
export function listAlerts(before = '', pageSize = 20) {
  return call('cairn.v1.AlertService/ListAlerts', before ? { before, pageSize } : { pageSize });
}

// Marks the caller's alerts up to cursor `through` read; resolves to {readThrough, unreadCount}.
export function markAlertsRead(through) {
  return call('cairn.v1.AlertService/MarkAlertsRead', { through });
}

// {watches: [Watch]}: the caller's saved searches.
export function listWatches() {
  return call('cairn.v1.AlertService/ListWatches', {});
}

export function addWatch(query, webhookUrl = '') {
  return call('cairn.v1.AlertService/AddWatch', webhookUrl ? { query, webhookUrl } : { query });
}

export function removeWatch(id) {
  return call('cairn.v1.AlertService/RemoveWatch', { id });
}

// Tells the lesson's origin what this organisation did with it: `feedback` is {lessonId,
// adoption, note, marking}. Resolves to the GivenFeedback.
export function giveFeedback(feedback) {
  return call('cairn.v1.FeedbackService/GiveFeedback', feedback);
}

// {feedback, totals} on this organisation's lesson; {given} on another's.
export function getFeedback(lessonId) {
  return call('cairn.v1.FeedbackService/GetFeedback', { lessonId });
}

// The lessons report: `request` is {since, until, project, topic} (times as RFC 3339). Resolves
// to the Report, its `html` the page to download.
export function buildReport(request) {
  return call('cairn.v1.ReportService/BuildReport', request);
}
