// How the retry playground shows things: the cards' attempts, the account's charges and the
// request-log timeline. Everything is built as DOM nodes; nothing from the server is parsed as HTML.

/**
 * The five cards, in page order, titled as their headings are; `useKey` is false for the card
 * whose requests carry no key.
 */
export const SCENARIOS = {
  replay: { title: 'Retry after a success', useKey: true },
  mismatch: { title: 'Same key, different amount', useKey: true },
  'in-use': { title: 'Double submit while the first is in flight', useKey: true },
  lost: { title: 'The answer is lost', useKey: true },
  'no-key': { title: 'The answer is lost, and there is no key', useKey: false },
};

const STATUS_TEXT = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 404: 'Not Found',
  409: 'Conflict', 413: 'Payload Too Large', 422: 'Unprocessable', 429: 'Too Many Requests',
  500: 'Server Error', 503: 'Unavailable',
};

/** What each outcome of `GET /_sandbox/requests` means, shown on hover. */
const OUTCOME_NOTES = {
  executed: 'the request ran',
  replayed: 'the stored answer was sent; nothing ran',
  key_in_use: 'the key was locked by a request in flight; nothing ran',
  key_reused: 'the key belongs to other parameters; nothing ran',
  rejected: 'refused before it ran',
  faulted: 'a sandbox fault acted on it',
};

/**
 * What each sandbox fault does to a request (CONTRACT §6), shown on hover over a `faulted` line.
 * The log does not say what the request itself did (ran, replayed, was refused): a fault after
 * the commit keeps whatever that was.
 */
const FAULT_EFFECTS = {
  drop_after_commit: 'whatever the request did was committed; then the fault closed the connection without an answer',
  drop_before_execute: 'the fault closed the connection before the request ran; nothing was kept',
  error_after_commit: 'whatever the request did was committed; then the fault answered 500 instead',
  error_before_execute: 'the fault answered 500 before the request ran; nothing was kept',
  delay: 'whatever the request did was committed; the fault only made the answer late',
  hold: 'the fault kept the request in flight for a while (with its key locked, if it ran) before it answered',
  rate_limit: 'the fault answered 429; nothing ran',
};

const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
export const dollars = (cents) => money.format(cents / 100);
export const cardNumber = (scenario) => Object.keys(SCENARIOS).indexOf(scenario) + 1;
export const $ = (selector, root = document) => root.querySelector(selector);

const time = (unixSeconds) =>
  new Date(unixSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

// ---- reading an answer ----------------------------------------------------------------------

export const isReplay = (a) => a.status === 200 && a.replayed === 'true';
export const isExecuted = (a) => a.status === 200 && a.replayed !== 'true';

/** What one answer was, in a few words. */
export function summary(a) {
  if (a.unreachable) return 'no answer, and oncepay does not answer now (stopped? the request may or may not have reached it)';
  if (a.dropped) return 'no answer (the connection closed)';
  if (isReplay(a)) return `${a.status}, replayed`;
  if (a.status === 200) return `${a.status}, charge ${a.charge}`;
  return `${a.status} ${a.error?.code ?? a.error?.type ?? ''}: ${a.error?.message ?? ''}`.trim();
}

// ---- building nodes -------------------------------------------------------------------------

/** Builds an element; children are nodes or text (arrays are flattened, empty values skipped). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const tone = (status) => (status === null ? 'dropped' : status < 300 ? 'ok' : status === 409 ? 'warn' : 'bad');

function statusPill(a) {
  const attrs = (kind) => ({ class: `pill pill-${kind}`, 'data-field': 'status' });
  if (a.pending) return el('span', attrs('pending'), a.fault?.startsWith('hold') ? 'held…' : 'sending…');
  if (a.unreachable) return el('span', attrs('dropped'), 'no answer, oncepay down');
  if (a.dropped) return el('span', attrs('dropped'), 'no response');
  return el('span', attrs(tone(a.status)), `${a.status} ${STATUS_TEXT[a.status] ?? ''}`.trim());
}

function fact(name, label, value, { mono = true } = {}) {
  return el('div', { class: 'kv' }, el('dt', {}, label), el('dd', { class: mono ? 'mono' : null, 'data-field': name }, value));
}

/** One attempt on a card: what the client sent, the status, and the headers that tell the story. */
function renderAttempt(a, index) {
  const facts = [];
  if (a.unreachable) {
    facts.push(fact('failure', 'fetch()', `rejected: ${a.failure}; oncepay does not answer /health either`, { mono: false }));
  } else if (a.dropped) {
    facts.push(fact('failure', 'fetch()', `rejected: ${a.failure}`, { mono: false }));
  } else if (!a.pending) {
    facts.push(fact('replayed', 'Idempotent-Replayed', a.replayed ?? '(not sent)'));
    if (a.originalRequest) facts.push(fact('original-request', 'Original-Request', a.originalRequest));
    if (a.charge) facts.push(fact('charge', 'Charge', a.charge));
    if (a.error) facts.push(fact('code', 'Error code', a.error.code ?? a.error.type));
    if (a.retryAfter) facts.push(fact('retry-after', 'Retry-After', a.retryAfter));
    facts.push(fact('request-id', 'Request-Id', a.requestId ?? '—'));
  }
  const kind = a.pending ? 'pending' : a.dropped || a.unreachable ? 'dropped' : isReplay(a) ? 'replayed' : a.status === 200 ? 'executed' : 'error';
  return el(
    'li',
    { class: `attempt attempt-${kind}`, 'data-testid': 'attempt', 'data-outcome': kind },
    el(
      'div',
      { class: 'attempt-head' },
      el('span', { class: 'attempt-index', 'aria-hidden': 'true' }, String(index + 1)),
      el('span', { class: 'attempt-label', 'data-field': 'label' }, a.label),
      a.fault ? el('span', { class: 'tag tag-fault', title: `Sandbox-Fault: ${a.fault}` }, a.fault.split(';')[0]) : null,
      statusPill(a),
    ),
    facts.length ? el('dl', { class: 'facts' }, facts) : null,
  );
}

/** A card's latest run: its key, its attempts so far, and how many charges it made. */
export function renderRun(run) {
  const card = $(`#scenario-${run.scenario}`);
  $('.run', card).hidden = false;
  const key = $(`[data-testid="${run.scenario}-key"]`, card);
  key.textContent = run.key ?? 'none: these requests carry no key';
  key.classList.toggle('no-key', !run.key);
  $(`[data-testid="${run.scenario}-attempts"]`, card).replaceChildren(...run.attempts.map(renderAttempt));
  $(`[data-testid="${run.scenario}-charge-count"]`, card).textContent = String(run.charges);
}

/** Clears a card back to its first look. */
export function clearRun(scenario) {
  const card = $(`#scenario-${scenario}`);
  $('.run', card).hidden = true;
  $(`[data-testid="${scenario}-explanation"]`, card).textContent = '';
}

/**
 * The account's charges, newest first, as one page of the list shows them; those of the cards'
 * latest runs are highlighted. `hasMore` says the account has more than the page holds.
 */
export function renderCharges(list, hasMore, latestRuns) {
  $('#charges-count').textContent = `${list.length}${hasMore ? '+' : ''}`;
  $('#charges-empty').hidden = list.length > 0;
  $('#charges').replaceChildren(
    ...list.map((c) => {
      const scenario = SCENARIOS[c.metadata?.scenario] ? c.metadata.scenario : null;
      return el(
        'li',
        {
          class: `charge${latestRuns.has(c.metadata?.run) ? ' charge-latest' : ''}`,
          'data-testid': 'charge',
          'data-scenario': scenario,
          title: `${c.id}, created ${time(c.created)}`,
        },
        el('span', { class: 'amount' }, dollars(c.amount)),
        el('span', { class: `pill pill-${c.status === 'succeeded' ? 'ok' : 'bad'}` }, c.status),
        el('code', { class: 'charge-id' }, c.id),
        el('span', { class: 'card-ref' }, scenario ? `card ${cardNumber(scenario)}` : 'elsewhere'),
      );
    }),
  );
}

/** The card a key belongs to, from the prefix the page gives its keys. */
function scenarioOfKey(key) {
  const match = /^playground-(.+)-[0-9a-f]{12}$/.exec(key ?? '');
  return match && SCENARIOS[match[1]] ? match[1] : null;
}

/** The request log, newest first; the page's own reads are hidden unless asked for. */
export function renderTimeline(entries, showReads) {
  const shown = entries.filter((e) => showReads || e.method !== 'GET');
  $('#timeline-empty').hidden = shown.length > 0;
  $('#timeline').replaceChildren(
    ...shown.map((e) => {
      const scenario = scenarioOfKey(e.idempotency_key);
      const origin = scenario ? `card ${cardNumber(scenario)}` : e.idempotency_key ? 'a key from elsewhere' : e.method === 'POST' ? 'no key' : 'read';
      return el(
        'li',
        {
          class: `event event-${e.outcome}`,
          'data-testid': 'timeline-entry',
          'data-outcome': e.outcome,
          'data-key': e.idempotency_key ?? '',
          'data-method': e.method,
          title: e.idempotency_key ? `Idempotency-Key: ${e.idempotency_key}` : null,
        },
        el('span', { class: 'event-dot', 'aria-hidden': 'true' }),
        el(
          'div',
          { class: 'event-body' },
          el(
            'div',
            { class: 'event-line' },
            el('span', { class: 'event-method' }, e.method),
            el('span', { class: 'event-path' }, e.path),
            el('span', { class: `pill pill-${tone(e.status)}`, 'data-field': 'status' }, e.status === null ? 'no response' : String(e.status)),
            el(
              'span',
              { class: `outcome outcome-${e.outcome}`, 'data-field': 'outcome', title: (e.fault && FAULT_EFFECTS[e.fault]) || OUTCOME_NOTES[e.outcome] },
              e.outcome,
            ),
          ),
          el(
            'div',
            { class: 'event-meta' },
            `${time(e.created)} · ${origin} · `,
            e.fault ? [el('span', { class: 'tag tag-fault', 'data-field': 'fault' }, e.fault), ' · '] : null,
            el('code', {}, e.request_id),
          ),
        ),
      );
    }),
  );
}

/** Says what a step did, on its card and in the side panel; `scenario` is null for the page's own news. */
export function explain(scenario, text) {
  const last = $('#last-explanation');
  if (!scenario) {
    last.textContent = text;
    return;
  }
  $(`[data-testid="${scenario}-explanation"]`).textContent = text;
  // An emptied card keeps the side panel's last news.
  if (!text) return;
  last.replaceChildren(el('strong', { class: 'last-card' }, `Card ${cardNumber(scenario)} · ${SCENARIOS[scenario].title}`), el('br'), text);
}
