// The retry playground: each card sends real requests to this oncepay server through its public
// API (POST /v1/charges, GET /v1/charges, GET /_sandbox/requests, DELETE /_sandbox/data), shows
// what came back, and says why. No framework and no build step: the server sends these files as is.
import { AMOUNT, KEY_STORAGE, api, apiKey, charge, loadApiKey, newApiKey, randomHex, saveApiKey, setApiKey } from './playground-client.js';
import { $, SCENARIOS, clearRun, dollars, explain, isExecuted, isReplay, renderCharges, renderRun, renderTimeline, summary } from './playground-view.js';

/** The second card's changed retry is $25.00. */
const CHANGED_AMOUNT = 2500;
/** How long the first request of a double submit stays in flight with its key locked. */
const HOLD_MS = 1500;
/**
 * How long a double submit waits before its second request: ample time for the first to reach
 * the server and lock its key, and far less than the hold, so the second arrives mid-flight.
 */
const SECOND_SUBMIT_AFTER_MS = 400;
/** How many charges and log lines the side panels show. */
const LIST_LIMIT = 100;

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---- the scenarios: each step sends its requests, then says in one line what happened and why

/** The latest run of each card: its key, its attempts, and the charges it made. */
const runs = {};

function startRun(scenario) {
  const id = randomHex(6);
  const key = SCENARIOS[scenario].useKey ? `playground-${scenario}-${id}` : null;
  return (runs[scenario] = { scenario, id, key, attempts: [], charges: 0 });
}

/** Sends one attempt of a run, showing it on the card at once as pending, then as answered. */
async function send(run, label, options = {}) {
  const shown = { label, pending: true, fault: options.fault };
  run.attempts.push(shown);
  renderRun(run);
  Object.assign(shown, await charge(run, options), { pending: false });
  renderRun(run);
  return shown;
}

const charges = (n) => `${n} charge${n === 1 ? '' : 's'}`;
const unexpected = (...answers) => `Unexpected: the request${answers.length > 1 ? 's' : ''} got ${answers.map(summary).join(', then ')}.`;

/**
 * Each step returns its explanation as a function, called once the panels are refreshed, so it
 * can count the run's charges as the server now holds them.
 */
const STEPS = {
  replay: {
    async pay(run) {
      const a = await send(run, 'Pay');
      return () => (isExecuted(a) ? `Executed: oncepay created ${a.charge} and stored its answer under key ${run.key} in the same transaction. Now retry.` : unexpected(a));
    },
    async retry(run) {
      const a = await send(run, 'Retry');
      return () =>
        isReplay(a)
          ? `Replayed: key ${run.key} had already finished with these parameters, so oncepay sent back the stored answer of ${a.originalRequest} and charged nothing more (${charges(run.charges)}).`
          : unexpected(a);
    },
  },
  mismatch: {
    async pay(run) {
      const a = await send(run, 'Pay $20.00');
      return () => (isExecuted(a) ? `Executed: ${dollars(AMOUNT)} charged under key ${run.key}. Now send ${dollars(CHANGED_AMOUNT)} under the same key.` : unexpected(a));
    },
    async retry(run) {
      const a = await send(run, `Retry with ${dollars(CHANGED_AMOUNT)}`, { amount: CHANGED_AMOUNT });
      return () =>
        a.error?.code === 'idempotency_key_reused'
          ? `Refused with ${a.status}: key ${run.key} already names a ${dollars(AMOUNT)} charge, so a ${dollars(CHANGED_AMOUNT)} request under it is another request; nothing ran (Stripe-Should-Retry: ${a.shouldRetry}).`
          : unexpected(a);
    },
  },
  'in-use': {
    async double(run) {
      const first = send(run, 'First submit (held)', { fault: `hold; delay_ms=${HOLD_MS}` });
      await sleep(SECOND_SUBMIT_AFTER_MS);
      const [a, b] = await Promise.all([first, send(run, 'Second submit')]);
      return () =>
        b.error?.code === 'idempotency_key_in_use' && isExecuted(a)
          ? `The second request came while the first held the key, so it got 409 idempotency_key_in_use at once and ran nothing (Retry-After: ${b.retryAfter}); the first answered 200 when its hold ended. Now retry.`
          : unexpected(a, b);
    },
    async retry(run) {
      const a = await send(run, 'Retry');
      const first = run.attempts[0].charge;
      return () =>
        isReplay(a)
          ? `Replayed: the first request has committed, so the retry gets its stored answer, ${a.charge === first ? 'the same charge' : 'a charge'} ${a.charge} (${charges(run.charges)} in all).`
          : unexpected(a);
    },
  },
  lost: {
    async pay(run) {
      const a = await send(run, 'Pay (answer lost)', { fault: 'drop_after_commit' });
      return () =>
        a.dropped
          ? `No answer: oncepay committed the charge (${charges(run.charges)} now), then closed the connection. The client cannot tell charged from not charged, so it retries.`
          : unexpected(a);
    },
    async retry(run) {
      const a = await send(run, 'Retry with the key');
      return () =>
        isReplay(a)
          ? `Replayed: the retry carried the same key, so oncepay answered with the charge the lost request made, ${a.charge}, instead of charging again: ${charges(run.charges)}.`
          : unexpected(a);
    },
  },
  'no-key': {
    async pay(run) {
      const a = await send(run, 'Pay (answer lost)', { fault: 'drop_after_commit' });
      return () =>
        a.dropped ? `No answer: oncepay committed the charge (${charges(run.charges)} now), then closed the connection. Without a key, nothing ties a retry to this request.` : unexpected(a);
    },
    async retry(run) {
      const a = await send(run, 'Retry without a key');
      return () =>
        isExecuted(a)
          ? `Charged again: with no Idempotency-Key oncepay cannot tell a retry from a new payment, so the retry executed: ${charges(run.charges)} for one purchase.`
          : unexpected(a);
    },
  },
};

// ---- the side panels ------------------------------------------------------------------------

let lastLog = [];

/** Reads the account's charges and request log, and counts each card's charges from them. */
async function refresh() {
  const [chargeList, log] = await Promise.all([
    api('GET', `/v1/charges?limit=${LIST_LIMIT}`),
    api('GET', `/_sandbox/requests?limit=${LIST_LIMIT}`),
  ]);
  for (const run of Object.values(runs)) {
    run.charges = chargeList.data.filter((c) => c.metadata?.run === run.id).length;
    renderRun(run);
  }
  renderCharges(chargeList.data, chargeList.has_more, new Set(Object.values(runs).map((r) => r.id)));
  lastLog = log.data;
  renderTimeline(lastLog, $('#show-reads').checked);
}

// ---- wiring: one step at a time, every button off while one runs ----------------------------

const main = $('#playground');

function setBusy(busy) {
  main.dataset.busy = String(busy);
  for (const button of document.querySelectorAll('button')) {
    if (busy) button.dataset.wasDisabled = String(button.disabled);
    button.disabled = busy || button.dataset.wasDisabled === 'true';
  }
}

/** Enables or disables a button as it will be once the step running now has ended. */
function enableAfterStep(button, enabled) {
  button.dataset.wasDisabled = String(!enabled);
}

/**
 * Runs one click's work; `data-steps` counts finished steps, so a test knows when to read. A
 * failure is told on the card that ran the step (`scenario`), or on the page. Every button is off
 * while a step runs, which takes the keyboard focus from the one clicked; it is given back after.
 */
async function runStep(work, scenario = null) {
  const focused = document.activeElement;
  setBusy(true);
  try {
    await work();
  } catch (error) {
    explain(scenario, `Could not reach oncepay: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    setBusy(false);
    if (focused instanceof HTMLButtonElement && !focused.disabled && document.activeElement !== focused) focused.focus();
    main.dataset.steps = String(Number(main.dataset.steps) + 1);
    if (keyFromOtherTab) followOtherTab();
  }
}

for (const card of document.querySelectorAll('.scenario')) {
  const scenario = card.dataset.scenario;
  const retryButton = $('button[data-step="retry"]', card);
  for (const button of card.querySelectorAll('button[data-step]')) {
    const step = button.dataset.step;
    button.addEventListener('click', () =>
      runStep(async () => {
        const run = step === 'retry' ? runs[scenario] : startRun(scenario);
        // The card's explanation is of the step before; this one's comes when it has ended.
        explain(scenario, '');
        renderRun(run);
        const explanation = await STEPS[scenario][step](run);
        enableAfterStep(retryButton, true);
        await refresh();
        explain(scenario, explanation());
      }, scenario),
    );
  }
}

$('#show-reads').addEventListener('change', (event) => renderTimeline(lastLog, event.target.checked));

/** Makes `key` this page's account, with every card back to its first look. */
function useApiKey(key) {
  setApiKey(key);
  $('#api-key').textContent = apiKey;
  for (const scenario of Object.keys(runs)) {
    delete runs[scenario];
    clearRun(scenario);
    enableAfterStep($(`#scenario-${scenario} button[data-step="retry"]`), false);
  }
}

$('#new-key').addEventListener('click', () =>
  runStep(async () => {
    // Erase the old account first, so a throwaway key leaves nothing behind on the server.
    await api('DELETE', '/_sandbox/data');
    useApiKey(newApiKey());
    saveApiKey(apiKey);
    await refresh();
    explain(null, "New key: the old account's charges, keys and log were erased (DELETE /_sandbox/data); this browser starts over as a new account.");
  }),
);

/** A new key another tab of this browser took, which this one has yet to follow. */
let keyFromOtherTab = null;

/**
 * Follows the key another tab took, as a step of its own, so that no step runs across the change.
 * The key is read again from storage: tabs that took new keys at once each saw the others', and
 * the one stored last is the one every tab, and a reload, ends on.
 */
function followOtherTab() {
  keyFromOtherTab = null;
  const key = loadApiKey();
  if (key === apiKey) return;
  void runStep(async () => {
    useApiKey(key);
    await refresh();
    explain(null, 'New key: another tab of this browser started over as a new account, and this one follows it.');
  });
}

// Another tab of this browser took a new key and erased the old account: this one follows it, so
// that its next requests do not go to the erased account and leave something behind there. A step
// running here at that moment ends first, under the account it began with (what it sends meanwhile
// lands in that account, after the erase); the key changes once it has ended.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY_STORAGE || !event.newValue || event.newValue === apiKey) return;
  keyFromOtherTab = event.newValue;
  if (main.dataset.busy !== 'true') followOtherTab();
});

$('#api-key').textContent = apiKey;
void runStep(refresh);
