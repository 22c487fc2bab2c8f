// The import page (/import): a JSON Lines file of lessons, sent in batches. js/import.js runs it.

export function body() {
  return `<div class="govuk-grid-row">
<div class="govuk-grid-column-two-thirds">
<div id="form-errors"></div>
<h1 class="govuk-heading-l">Import lessons</h1>
<p class="govuk-body">Bring lessons recorded elsewhere into Cairn. Each one becomes a new lesson of your organisation.</p>
<p class="govuk-body">The file must be in JSON Lines format: one lesson a line, written as JSON with Cairn’s field names, for example:</p>
<p class="govuk-body"><code class="cairn-code">{"title": "Test tablets where the signal is weak", "summary": "…", "marking": "TLP_GREEN", "topics": ["mobile working"]}</code></p>
<p class="govuk-body">Lessons the node refuses are listed at the end with the reason. The others are imported.</p>
<form id="import-form" novalidate>
<div class="govuk-form-group" id="file-group">
<label class="govuk-label govuk-label--s" for="file">Upload a file</label>
<div class="govuk-hint" id="file-hint">A .jsonl file, one lesson a line</div>
<div class="govuk-file-upload-wrapper" data-module="govuk-file-upload">
<input class="govuk-file-upload" id="file" name="file" type="file" accept=".jsonl,.ndjson,.json,.txt,application/x-ndjson,application/json,text/plain" aria-describedby="file-hint">
</div>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button" id="import-button">Import lessons</button>
</form>
<p class="govuk-body cairn-progress" id="import-progress" role="status" aria-live="polite"></p>
</div>
</div>
<div id="import-report"></div>
`;
}
